"""Page fetches and registry API calls talk to this machine only."""

from __future__ import annotations

import pytest

from docdocker.base import errors
from docdocker.concepts import registry_api, web


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/", "http://localhost:5000/v2/",
                                 "http://[::1]:8080/", "http://127.0.0.2:80/"])
def test_this_machine_is_loopback(url: str) -> None:
    assert web.is_loopback(url)


@pytest.mark.parametrize("url", ["http://172.17.0.2:80/", "http://10.0.0.5:5000/v2/",
                                 "http://example.com/", "http://[fe80::1]:80/", "nonsense"])
def test_other_machines_are_not(url: str) -> None:
    assert not web.is_loopback(url)


def test_fetch_refuses_a_container_ip_before_sending_anything() -> None:
    with pytest.raises(errors.DocDockerError, match="only talks to this machine"):
        web.fetch("http://172.17.0.2:80/", wait=0)


def test_the_registry_api_refuses_a_remote_registry_before_sending_anything() -> None:
    with pytest.raises(errors.DocDockerError, match="only talk to a registry on this machine"):
        registry_api.catalog("http://10.0.0.5:5000")
