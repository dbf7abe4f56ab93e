"""The website: a thin MkDocs plugin over one generator of pages and assets.

`pages.generate()` turns the model into Markdown pages and files (JSON, Atom,
ICS, schema); `plugin.IssuePapersPlugin` only registers them with MkDocs, and
`pages.write_folder()` writes the same pages to a folder for a site generator
that runs no MkDocs plugin (Zensical).
"""
