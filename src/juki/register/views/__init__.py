"""Staff screens of the register (住民記録の業務画面): search, person and household views,
change entry and the confirmation queue. Views are thin: they parse with a form, call one
action or access function, and show a refusal with its code, message and field."""
