//! Privacy-preserving record linkage with cryptographic long-term keys (CLKs): work in progress.
