"""Python meaning: scopes, bindings, qualified names, frames and flow.  Knows no library and no rule."""
