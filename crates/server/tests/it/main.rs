//! End-to-end tests of the HTTP API, each on SQLite and on PostgreSQL.

mod support;

mod access_matrix;
mod accounts;
mod alerts;
mod browser;
mod duplicates;
mod hostile_input;
mod notes;
mod settings;
mod story;
mod tracing;
mod web;
mod web_pages;
mod web_workflow;
mod workflow_refusals;
mod workflow_story;
