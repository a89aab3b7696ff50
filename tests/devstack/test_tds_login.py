"""Login through real ODBC drivers: TLS and plain, wrong password, unknown database."""

from __future__ import annotations

import typing as t

import pyodbc
import pytest

from tests.devstack.tds_support import (
    DATABASE,
    FREETDS,
    MS,
    connect,
    driver_params,
    ensure_odbc,
    running_server,
)

if t.TYPE_CHECKING:
    from collections.abc import Iterator

    from devstack.sqldw_emulator.server import SQLDWEmulatorServer


@pytest.fixture(scope="module")
def server() -> Iterator[SQLDWEmulatorServer]:
    with running_server() as (server, _engine):
        yield server


@pytest.mark.parametrize("driver", driver_params())
def test_tls_login_encrypts_all_traffic(server: SQLDWEmulatorServer, driver: str) -> None:
    with connect(server, driver, encrypt=True) as connection:
        assert connection.cursor().execute("SELECT 1").fetchone()[0] == 1
    assert server.logins[-1].encryption == "on"


@pytest.mark.parametrize("driver", driver_params())
def test_plain_login(server: SQLDWEmulatorServer, driver: str) -> None:
    with connect(server, driver, encrypt=False) as connection:
        assert connection.cursor().execute("SELECT 2").fetchone()[0] == 2
    # MS ODBC with Encrypt=no still protects the login packet, as against SQL Server;
    # FreeTDS with Encryption=off declares no TLS support at all.
    expected = "login" if driver == MS else "off"
    assert server.logins[-1].encryption == expected


@pytest.mark.parametrize("driver", driver_params())
def test_server_without_tls_serves_plain_clients(driver: str) -> None:
    with running_server(tls=False) as (server, _engine):
        with connect(server, driver, encrypt=False) as connection:
            assert connection.cursor().execute("SELECT 3").fetchone()[0] == 3
        assert server.logins[-1].encryption == "off"
        with pytest.raises(pyodbc.Error):
            connect(server, driver, encrypt=True, timeout=5)


def test_untrusted_certificate_is_refused_by_the_ms_driver(server: SQLDWEmulatorServer) -> None:
    from devstack import odbc

    ensure_odbc()
    text = odbc.connection_string(
        driver=MS, host="127.0.0.1", port=server.port, database=DATABASE, user="loader",
        password="x", trust_server_certificate=False,
    )  # fmt: skip
    with pytest.raises(pyodbc.OperationalError, match=r"(?i)certificate"):
        pyodbc.connect(text, timeout=5)


@pytest.mark.parametrize("driver", driver_params())
def test_wrong_password_is_refused_with_18456(server: SQLDWEmulatorServer, driver: str) -> None:
    expected = pyodbc.InterfaceError if driver == MS else pyodbc.ProgrammingError
    with pytest.raises(expected, match=r"Login failed for user 'loader'.*18456"):
        connect(server, driver, password="wrong")


@pytest.mark.parametrize("driver", driver_params())
def test_unknown_database_is_refused_with_4060(server: SQLDWEmulatorServer, driver: str) -> None:
    with pytest.raises(pyodbc.Error, match="4060"):
        connect(server, driver, database="nosuchdb")


@pytest.mark.parametrize("driver", driver_params())
def test_session_reports_database_and_packet_size(server: SQLDWEmulatorServer, driver: str) -> None:
    with connect(server, driver) as connection:
        assert connection.getinfo(pyodbc.SQL_DATABASE_NAME) == DATABASE
    assert server.logins[-1].packet_size == 4096
    assert server.logins[-1].user == "loader"


def test_freetds_is_named_in_connection_strings() -> None:
    from devstack import odbc

    text = odbc.connection_string(
        driver=FREETDS, host="h", port=1, database="d", user="u", password="p;w"
    )
    assert "PORT=1" in text
    assert "PWD={p;w}" in text
    assert "Encryption=require" in text
    with pytest.raises(ValueError, match="FreeTDS"):
        odbc.connection_string(
            driver=FREETDS, host="h", port=1, database="d", user="u", password="p}w"
        )
    ms = odbc.connection_string(driver=MS, host="h", port=1, database="d", user="u", password="a}b")
    assert "SERVER=h,1" in ms
    assert "PWD={a}}b}" in ms
    assert "TrustServerCertificate=yes" in ms
