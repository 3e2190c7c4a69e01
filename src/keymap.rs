//! Key bindings as data: actions with docs, TOML keymaps merged over the embedded defaults.
