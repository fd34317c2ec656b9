"""Text <-> AST for the .avt language: grammar, parser, AST, spans, diagnostics, printer."""
