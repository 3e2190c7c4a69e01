//! The interview guide: a small Markdown dialect parsed into sections, questions and probes.
