"""Everything the agent sees (PySide6). The only package that imports Qt."""
