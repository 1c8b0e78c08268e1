"""The instructor's Jupyter server on the hub (hub/install-env.sh copies it to the instructor
environment's etc/jupyter/jupyter_server_config.py). docs/INSTRUCTORS.md, section 10.

JupyterHub's single-user servers forbid being framed by any page (Content-Security-Policy
`frame-ancestors 'none'`, JupyterHub's default unless the server sets its own), which blanks
Formgrader: JupyterLab shows it in a frame of the same server. Framing by the server's own pages
only, Jupyter Server's default outside JupyterHub, brings it back; other sites still cannot frame it.
"""
c = get_config()  # noqa: F821 - provided by Jupyter Server

c.ServerApp.tornado_settings = {"headers": {"Content-Security-Policy": "frame-ancestors 'self'"}}
