"""The portal as a WSGI application, for a production WSGI server:

    CKAN_INI=/etc/ckan/ckan.ini gunicorn --workers 3 ckanext.procurement.wsgi:application

(`make demo` runs it so; `ckan run` is CKAN's single-threaded development server.)
"""
from __future__ import annotations

import os
from logging.config import fileConfig

from ckan.cli import CKANConfigLoader
from ckan.config.middleware import make_app


def create_application(ini_path: str):
    ini_path = os.path.abspath(ini_path)
    fileConfig(ini_path, defaults={"here": os.path.dirname(ini_path)}, disable_existing_loggers=False)
    return make_app(CKANConfigLoader(ini_path).get_config())


application = create_application(os.environ.get("CKAN_INI", "ckan.ini"))
