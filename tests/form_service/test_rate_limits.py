"""Rate limits shared by several service instances through a real Redis server.

Two gunicorns with the shipped configuration (one of them with two workers) count one
client's submissions together when ``PINGAN_RATELIMIT_STORAGE_URI`` is ``redis://…``; with
the in-memory store each counts alone, which is why the configuration refuses several
workers on it. ``redis_url`` starts Debian's ``redis-server`` on a free loopback port in a
temporary folder (the test skips without it locally and fails under CI).
"""

from __future__ import annotations

import pytest
from gunicorn_server import Servers, settings
from redis_server import redis_server

LIMIT = 6
APPLY = "/api/v1/campaigns/wujin-2026/applications"


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    """A redis-server of its own for this module, on 127.0.0.1, saving nothing."""
    with redis_server(tmp_path_factory.mktemp("redis")) as url:
        yield url


@pytest.fixture
def instances(tmp_path):
    """Start two service instances (two workers, then one) with *storage*, ready to answer."""
    servers = Servers(tmp_path)

    def start(storage: str, **extra: str):
        started = []
        for number, workers in enumerate((2, 1)):
            env = settings(
                tmp_path / f"instance-{number}",
                PINGAN_RATELIMIT_STORAGE_URI=storage,
                PINGAN_APPLY_RATE_LIMIT=f"{LIMIT} per minute",
                **extra,
            )
            server = servers.start(env, workers)
            server.wait_answering("/apply/")
            started.append(server)
        return started

    yield start
    servers.stop_all()


def submissions(servers, count: int) -> list[int]:
    """*count* submissions from one client, alternating between the instances.

    The body is not JSON (415): the limit is counted before the body is read, so every
    request counts and no application is stored.
    """
    return [
        servers[n % len(servers)].get(APPLY, b"x", **{"Content-Type": "text/plain"})
        for n in range(count)
    ]


def test_a_limit_holds_across_two_instances_sharing_redis(redis_url, instances):
    statuses = submissions(instances(redis_url), 2 * LIMIT + 4)
    assert statuses[:LIMIT] == [415] * LIMIT
    assert statuses[LIMIT:] == [429] * (LIMIT + 4)


def test_with_the_in_memory_store_each_instance_counts_alone(instances):
    """What Redis prevents: the same client gets the limit once per instance."""
    servers = instances("memory://", PINGAN_ALLOW_PER_WORKER_RATE_LIMITS="1")
    statuses = submissions(servers[1:], LIMIT) + submissions(servers[:1], LIMIT)
    assert statuses == [415] * (2 * LIMIT)
