//! The record-linkage engine: comparators, blocking, an EM-trained Fellegi–Sunter model, clustering. Work in progress.
