# Voilà's configuration for `redflag app`: toolkit/launch.py makes this folder Voilà's only
# config search path (--Voila.config_file_paths), so no voila.json/voila.py from the working
# folder or the user's Jupyter config changes it. The settings themselves are in launch.py.
from toolkit.launch import COOKIE_OPTIONS, voila_tornado_settings

c.Voila.tornado_settings = voila_tornado_settings()  # type: ignore[name-defined]  # noqa: F821
c.IdentityProvider.cookie_options = COOKIE_OPTIONS  # type: ignore[name-defined]  # noqa: F821
