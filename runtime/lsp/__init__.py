"""The `.avt` language server: the editor's view of a workspace (issue 12)."""
