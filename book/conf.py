"""Sphinx configuration of the reading-edition site (built by `make book`, see tools/build_book.py).

The pages are the executed notebooks of notebooks/ rendered by MyST-NB with their stored outputs
(nothing is executed here), in the Sphinx Book Theme; MathJax is served from the site itself
(sphinx-mathjax-offline), so the math renders without a network.

Math as the lessons write it (JupyterLab renders the same): ``\\text{fan\\_in}`` needs MathJax's
textmacros extension (shipped with the site's MathJax, loaded below), and ``$$...$$`` inside a paragraph
is display math (``myst_dmath_double_inline``; without it MyST paired the dollars wrongly and showed the
rest of the paragraph's math as raw TeX). A display equation wider than the column scrolls with a
visible scroll bar and a shadow on the side that has more (``_static/course.css``).
"""
project = "Optimization in Neural Networks"
author = "the course authors"
copyright = "the course authors, MIT license"

extensions = ["myst_nb", "sphinx-mathjax-offline"]
exclude_patterns = ["_build", "**.ipynb_checkpoints"]
master_doc = "index"

# MyST-NB: show the stored outputs, never execute; LaTeX math in $...$ and $$...$$
nb_execution_mode = "off"
nb_merge_streams = True
# a text/markdown output (a claim line: the sentence with its $...$ math) is MyST, math included
nb_render_markdown_format = "myst"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_dmath_double_inline = True
mathjax3_config = {
    "loader": {"load": ["[tex]/textmacros"]},
    "tex": {"packages": {"[+]": ["textmacros"]}},
}
myst_heading_anchors = 3
# a cell tagged hide-input (a worked solution, tagged by tools/build_book.py) collapses
nb_code_prompt_show = "Show code"
nb_code_prompt_hide = "Hide code"

html_theme = "sphinx_book_theme"
html_title = "Optimization in Neural Networks"
html_theme_options = {
    "home_page_in_toc": True,
    "show_toc_level": 2,
    "use_download_button": True,
    "use_fullscreen_button": False,
}
html_static_path = ["_static"]
html_css_files = ["course.css"]
html_last_updated_fmt = None
html_show_sourcelink = False
