"""deploy.yml creates the topics on Redpanda with scripts/kafka-topics.sh, the local stack's
topic code pointed at a remote Kafka API with SASL/SCRAM over TLS. Redpanda Cloud is not
reachable here, so this runs the script against a real Kafka broker that demands the same:
a SASL_SSL listener on 127.0.0.1 (random ports, its own temporary directory, stopped at the
end), a SCRAM-SHA-256 user and a certificate from a private CA."""

from __future__ import annotations

import datetime
import ipaddress
import os
import re
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

PHASE5 = Path(__file__).resolve().parents[2]
SCRIPT = PHASE5 / "scripts" / "kafka-topics.sh"
TOPICS = {
    "task-operations",
    "task-modifications",
    "alerts",
    "task-events-dlq",
    "updates-dlq",
    "alerts-dlq",
}
THIRTY_DAYS_MS = 30 * 86_400_000
_KAFKA_VERSION = re.search(
    r'KAFKA_VERSION="([\d.]+)"', (PHASE5 / "scripts" / "lib" / "common.sh").read_text()
)
assert _KAFKA_VERSION
KAFKA_LIBS = (
    Path(os.environ.get("P5_CACHE", Path.home() / ".cache" / "phase5"))
    / f"kafka-{_KAFKA_VERSION.group(1)}"
    / "libs"
    / "*"
)
SCRAM_MODULE = "org.apache.kafka.common.security.scram.ScramLoginModule"


@dataclass
class Broker:
    bootstrap: str
    username: str
    password: str
    ca_pem: Path
    client_config: Path
    state: Path


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    keystore, ca = tmp / "server.pem", tmp / "ca.pem"
    keystore.write_bytes(key_pem + cert_pem)
    ca.write_bytes(cert_pem)
    return keystore, ca


def kafka_java(state: Path, *args: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    libs = KAFKA_LIBS
    return subprocess.run(
        [
            "java",
            "-Xmx256m",
            f"-Dlog4j.configuration=file:{state}/log4j.properties",
            "-cp",
            str(libs),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    subprocess.run(["bash", str(PHASE5 / "scripts" / "install-kafka.sh")], check=True)
    tmp = tmp_path_factory.mktemp("sasl-kafka")
    (tmp / "log4j.properties").write_text(
        "log4j.rootLogger=WARN, stdout\n"
        "log4j.appender.stdout=org.apache.log4j.ConsoleAppender\n"
        "log4j.appender.stdout.layout=org.apache.log4j.PatternLayout\n"
    )
    keystore, ca = self_signed(tmp)
    client_port, controller_port, internal_port = free_ports(3)
    username, password = "todo-services", f'pw-{uuid.uuid4().hex}\\with"quotes'
    (tmp / "server.properties").write_text(f"""\
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:{controller_port}
listeners=SASL_SSL://127.0.0.1:{client_port},CONTROLLER://127.0.0.1:{controller_port},INTERNAL://127.0.0.1:{internal_port}
advertised.listeners=SASL_SSL://127.0.0.1:{client_port},INTERNAL://127.0.0.1:{internal_port}
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT,INTERNAL:PLAINTEXT
controller.listener.names=CONTROLLER
inter.broker.listener.name=INTERNAL
sasl.enabled.mechanisms=SCRAM-SHA-256
listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config={SCRAM_MODULE} required;
ssl.keystore.type=PEM
ssl.keystore.location={keystore}
log.dirs={tmp}/data
auto.create.topics.enable=false
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
""")
    cluster_id = kafka_java(tmp, "kafka.tools.StorageTool", "random-uuid").stdout.strip()
    # The SCRAM user exists from the start (KRaft stores it in the metadata log).
    scram = f'SCRAM-SHA-256=[name={username},password="{password}"]'
    fmt = kafka_java(
        tmp,
        "kafka.tools.StorageTool",
        "format",
        "-t",
        cluster_id,
        "-c",
        str(tmp / "server.properties"),
        "--add-scram",
        scram,
    )
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
    log = (tmp / "broker.log").open("w")
    libs = KAFKA_LIBS
    proc = subprocess.Popen(
        [
            "java",
            "-Xmx384m",
            f"-Dlog4j.configuration=file:{tmp}/log4j.properties",
            "-cp",
            str(libs),
            "kafka.Kafka",
            str(tmp / "server.properties"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, (tmp / "broker.log").read_text()[-3000:]
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", client_port)) == 0:
                    break
            assert time.monotonic() < deadline, "broker did not open its SASL_SSL port"
            time.sleep(0.5)
        client = tmp / "client.properties"
        jaas_password = password.replace("\\", "\\\\").replace('"', '\\"')
        client.write_text(
            "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-256\n"
            f"sasl.jaas.config={SCRAM_MODULE} required "
            f'username="{username}" password="{jaas_password}";\n'.replace("\\", "\\\\")
            + f"ssl.truststore.type=PEM\nssl.truststore.location={ca}\n"
        )
        yield Broker(f"127.0.0.1:{client_port}", username, password, ca, client, tmp / "state")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def topics_script(broker: Broker, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "P5_STATE": str(broker.state),
        "KAFKA_BOOTSTRAP": broker.bootstrap,
        "KAFKA_SASL_USERNAME": broker.username,
        "KAFKA_SASL_PASSWORD": password or broker.password,
        "KAFKA_SSL_CA_PEM": str(broker.ca_pem),
    }
    return subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=300
    )


def describe(broker: Broker) -> dict[str, tuple[int, str]]:
    out = kafka_java(
        broker.client_config.parent,
        "org.apache.kafka.tools.TopicCommand",
        "--bootstrap-server",
        broker.bootstrap,
        "--command-config",
        str(broker.client_config),
        "--describe",
    )
    assert out.returncode == 0, out.stderr
    found = {}
    for m in re.finditer(
        r"Topic: (\S+)\s+TopicId: \S+\s+PartitionCount: (\d+).*?Configs: (\S*)", out.stdout
    ):
        found[m.group(1)] = (int(m.group(2)), m.group(3))
    return found


def test_script_creates_the_topics_over_sasl_ssl_and_is_idempotent(broker: Broker) -> None:
    first = topics_script(broker)
    assert first.returncode == 0, first.stdout + first.stderr
    assert (
        len(re.findall(r"created topic \S+ \(12 partitions, retention 30 days\)", first.stderr))
        == 6
    )
    topics = describe(broker)
    assert set(topics) == TOPICS
    for name, (partitions, configs) in topics.items():
        assert partitions == 12, name
        assert f"retention.ms={THIRTY_DAYS_MS}" in configs, (name, configs)
    again = topics_script(broker)
    assert again.returncode == 0, again.stderr
    assert "created topic" not in again.stderr
    for output in (first, again):
        assert broker.password not in output.stdout + output.stderr


def test_script_fails_on_a_wrong_password_without_printing_it(broker: Broker) -> None:
    wrong = f"wrong-{uuid.uuid4().hex}"
    result = topics_script(broker, password=wrong)
    assert result.returncode != 0
    # Refused by the broker's SCRAM check (not a TLS or connection problem).
    log = (broker.state / "logs" / "kafka.log").read_text()
    assert "Authentication failed" in log, log[-2000:]
    assert wrong not in result.stdout + result.stderr
    assert broker.password not in result.stdout + result.stderr
