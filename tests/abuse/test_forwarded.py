"""Which client a request comes from: the pure resolver and the LEERSTAND_TRUSTED_PROXIES
setting it reads."""

import ipaddress

import pytest
from pydantic import ValidationError

from app.abuse.forwarded import resolve_client
from app.config import Settings

PROXY = [ipaddress.ip_network("10.0.0.0/8")]


def resolve(peer, *headers, trusted=PROXY):
    return resolve_client(peer=peer, forwarded_for=list(headers), trusted=trusted)


def test_without_trusted_proxies_the_header_is_ignored():
    assert resolve("198.51.100.7", "203.0.113.1", trusted=[]) == "198.51.100.7"


def test_an_untrusted_peer_cannot_name_another_client():
    assert resolve("198.51.100.7", "203.0.113.1, 10.0.0.5") == "198.51.100.7"


def test_behind_a_trusted_proxy_the_right_most_untrusted_hop_is_the_client():
    # the client wrote "203.0.113.1"; the proxy appended the address it really saw
    assert resolve("10.0.0.2", "203.0.113.1, 198.51.100.7") == "198.51.100.7"


def test_a_chain_of_trusted_proxies_is_walked_from_the_right():
    assert resolve("10.0.0.2", "203.0.113.1, 198.51.100.7, 10.0.0.9, 10.1.2.3") == "198.51.100.7"
    assert resolve("10.0.0.2", "203.0.113.1, 198.51.100.7", "10.0.0.9") == "198.51.100.7"


def test_ports_and_ipv6_hops_are_read_as_addresses():
    assert resolve("10.0.0.2", "198.51.100.7:4711") == "198.51.100.7"
    assert resolve("10.0.0.2", "[2001:db8::1]:443") == "2001:db8::1"
    assert resolve("10.0.0.2", "2001:DB8::1") == "2001:db8::1"


def test_a_trusted_proxy_without_header_or_with_only_proxies_in_it():
    assert resolve("10.0.0.2") == "10.0.0.2"
    assert resolve("10.0.0.2", "10.0.0.7, 10.0.0.9") == "10.0.0.7"


def test_garbage_in_the_client_position_is_a_short_key_not_an_error():
    assert resolve("10.0.0.2", "x" * 500) == "x" * 64
    assert resolve("testclient", "203.0.113.1") == "testclient"


def test_setting_is_comma_separated_ips_and_networks(monkeypatch):
    monkeypatch.setenv("LEERSTAND_TRUSTED_PROXIES", " 172.30.0.1, 10.0.0.0/8 ,::1")
    assert [str(n) for n in Settings(_env_file=None).trusted_proxies] == [
        "172.30.0.1/32", "10.0.0.0/8", "::1/128"]


def test_setting_defaults_to_no_proxy(monkeypatch):
    monkeypatch.delenv("LEERSTAND_TRUSTED_PROXIES", raising=False)
    assert Settings(_env_file=None).trusted_proxies == ()


@pytest.mark.parametrize("value", ["*", "proxy.example", "10.0.0.0/33"])
def test_setting_refuses_what_is_not_an_address(monkeypatch, value):
    monkeypatch.setenv("LEERSTAND_TRUSTED_PROXIES", value)
    with pytest.raises(ValidationError, match="LEERSTAND_TRUSTED_PROXIES"):
        Settings(_env_file=None)
