#!/usr/bin/python3
"""Checks the deploy/ files without a container engine or a cluster.

- every YAML file parses;
- every --flag passed to pactlogd (compose command, StatefulSet args,
  systemd ExecStart) is one `pactlogd --help` lists, and every PACTLOG_*
  variable set for it is one the help names; the Dockerfile's health check
  uses flags and a subcommand `pactctl --help` lists (when pactctl is built);
- the compose file, the Kubernetes objects and the Dockerfile agree with
  each other (ports, probes, secrets, mounts, selectors, stages);
- the Dockerfile's build stage installs packages Debian 12 has;
- `promtool check config` / `check rules` accept the Prometheus files;
- `systemd-analyze verify` accepts the unit, silently, and
  `systemd-analyze security` rates its exposure at most 3.0;
- cluster mode (docker-compose.cluster.yml, nats.Dockerfile, nats/,
  k8s/cluster/): every nats-server configuration has
  `sync_interval: always` in its jetstream block, the image's store
  directory and ports, and routes that with the server itself make the
  three servers, and `nats-server -t` accepts it (when nats-server 2.10.23+
  is installed); pactlogd's --log names exactly the three servers (compose
  services, StatefulSet pod DNS names) on their client port; the nats
  StatefulSet has 3 replicas, required anti-affinity, a PodDisruptionBudget
  of maxUnavailable 1 and a NetworkPolicy; the pactlogd replicas have
  everything deploy/k8s's StatefulSet has; the image's apt pins take
  nats-server alone from Debian 13 (simulated with this machine's package
  lists, when they have both releases); `kubectl kustomize` renders
  k8s/cluster (when kubectl is installed).

usage: deploy_files_test.py --root REPO --pactlogd BINARY [--pactctl BINARY]
Prints one line per check and "N passed, M failed"; exits 1 on a failure.
"""
import argparse
import http.server
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

import yaml

RESULTS = []


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    print(f"{'PASS' if ok else 'FAIL'} {name}" + (f": {detail}" if detail and not ok else ""))
    return ok


def run(argv, **kwargs):
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, **kwargs)


def help_of(binary):
    result = run([binary, "--help"])
    return result.stdout + result.stderr


def flags_in_help(text):
    return set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", text))


def flag_names(args):
    """The --flag names among `args` (values after '=' dropped)."""
    return [a.split("=", 1)[0] for a in args if a.startswith("--")]


def load_yaml(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d is not None]


def k8s_objects(documents, directory):
    """{(kind, name): object} of the YAML files directly in `directory`
    (relative to the root), each checked to be a Kubernetes object."""
    objects = {}
    for rel, docs in documents.items():
        if os.path.dirname(rel) == directory and not rel.endswith("kustomization.yaml"):
            for doc in docs:
                ok = all(k in doc for k in ("apiVersion", "kind", "metadata")) and "name" in doc["metadata"]
                check(f"{rel}: {doc.get('kind')} {doc.get('metadata', {}).get('name')} is a k8s object", ok)
                if ok:
                    objects[(doc["kind"], doc["metadata"]["name"])] = doc
    return objects


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("--pactlogd", required=True)
    parser.add_argument("--pactctl", default="")
    options = parser.parse_args()
    deploy = os.path.join(options.root, "deploy")

    pactlogd_help = help_of(options.pactlogd)
    known_flags = flags_in_help(pactlogd_help)
    check("pactlogd --help lists its flags", "--listen" in known_flags and "--data-dir" in known_flags,
          pactlogd_help[:400])

    def check_flags(where, args):
        used = flag_names(args)
        unknown = [f for f in used if f not in known_flags]
        check(f"{where}: pactlogd flags exist ({', '.join(used)})", used and not unknown,
              f"not in pactlogd --help: {unknown}")

    def check_env(where, names):
        unknown = [n for n in names if n not in pactlogd_help]
        check(f"{where}: PACTLOG_* variables exist ({', '.join(names)})", not unknown,
              f"not named in pactlogd --help: {unknown}")

    # --- every YAML file parses ---------------------------------------
    documents = {}
    for directory, _, files in os.walk(deploy):
        for name in sorted(files):
            if name.endswith((".yml", ".yaml")):
                path = os.path.join(directory, name)
                rel = os.path.relpath(path, options.root)
                try:
                    documents[rel] = load_yaml(path)
                    check(f"{rel} parses", documents[rel], "empty")
                except yaml.YAMLError as error:
                    check(f"{rel} parses", False, str(error))
    for required in ["deploy/docker-compose.yml", "deploy/prometheus.yml", "deploy/pactlog-rules.yml",
                     "deploy/k8s/statefulset.yaml", "deploy/k8s/service.yaml", "deploy/k8s/pdb.yaml",
                     "deploy/k8s/secret.yaml", "deploy/k8s/kustomization.yaml"]:
        check(f"{required} exists", required in documents)

    # --- docker-compose.yml --------------------------------------------
    compose = documents.get("deploy/docker-compose.yml", [{}])[0]
    services = compose.get("services", {})
    pactlogd = services.get("pactlogd", {})
    check_flags("docker-compose.yml pactlogd", pactlogd.get("command", []))
    build = pactlogd.get("build", {})
    check("docker-compose.yml builds deploy/Dockerfile",
          os.path.isfile(os.path.normpath(os.path.join(deploy, build.get("context", ""),
                                                       build.get("dockerfile", "")))), build)
    prometheus = services.get("prometheus", {})
    pbuild = prometheus.get("build", {})
    check("docker-compose.yml builds the Prometheus image",
          os.path.isfile(os.path.join(deploy, pbuild.get("context", ""), pbuild.get("dockerfile", ""))),
          pbuild)
    for volume in prometheus.get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("."):
            check(f"docker-compose.yml mounts existing {source}",
                  os.path.isfile(os.path.join(deploy, source)))
    metrics_flag = [a for a in pactlogd.get("command", []) if a.startswith("--metrics-listen=")]
    scrape = documents.get("deploy/prometheus.yml", [{}])[0]
    targets = [t for job in scrape.get("scrape_configs", []) for c in job.get("static_configs", [])
               for t in c.get("targets", [])]
    check("prometheus.yml scrapes pactlogd's metrics port",
          metrics_flag and f"pactlogd:{metrics_flag[0].rsplit(':', 1)[1]}" in targets,
          f"{metrics_flag} vs {targets}")

    # --- Prometheus files, by Prometheus' own checker -------------------
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    result = run([promtool, "check", "config", "prometheus.yml"], cwd=deploy)
    check("promtool check config deploy/prometheus.yml", result.returncode == 0,
          result.stdout + result.stderr)
    result = run([promtool, "check", "rules", "pactlog-rules.yml"], cwd=deploy)
    check("promtool check rules deploy/pactlog-rules.yml", result.returncode == 0,
          result.stdout + result.stderr)

    # --- Kubernetes objects ---------------------------------------------
    objects = k8s_objects(documents, "deploy/k8s")
    kustomization = documents.get("deploy/k8s/kustomization.yaml", [{}])[0]
    for resource in kustomization.get("resources", []):
        check(f"kustomization resource {resource} exists",
              os.path.isfile(os.path.join(deploy, "k8s", resource)))
    check("kustomization leaves secret.yaml out", "secret.yaml" not in kustomization.get("resources", []))
    secrets = {o["metadata"]["name"] for (kind, _), o in objects.items() if kind == "Secret"}

    def check_pactlogd_set(where, file_label, spec, objects):
        """The checks of a pactlogd StatefulSet, single-node or replica;
        `where` prefixes their names ("" for deploy/k8s's). Returns its pod
        labels, container ports and --flag=value arguments."""
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"]["labels"]
        check(f"{where}StatefulSet selector matches its pods",
              spec["selector"]["matchLabels"].items() <= labels.items())
        container = pod["containers"][0]
        args = container.get("args", [])
        check_flags(f"{file_label} pactlogd", args)
        values = dict(a.split("=", 1) for a in args if "=" in a)
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            grpc = container.get(probe, {}).get("grpc")
            check(f"{where}{probe} is a native gRPC probe on the --health-listen port",
                  grpc and str(grpc.get("port")) == values.get("--health-listen", ":").rsplit(":", 1)[1]
                  and grpc.get("port") == ports.get("health"), f"{grpc} vs {values.get('--health-listen')}")
        for probe in ("startupProbe", "readinessProbe"):
            grpc = container.get(probe, {}).get("grpc") or {}
            check(f"{where}{probe} asks for pactlog.v1.DealLedger (\"\" is SERVING before pactlogd sets it)",
                  grpc.get("service") == "pactlog.v1.DealLedger", f"{grpc}")
        for flag, port_name in (("--listen", "grpc"), ("--metrics-listen", "metrics")):
            check(f"{where}{flag} port is the container port {port_name}",
                  values.get(flag, ":").rsplit(":", 1)[1] == str(ports.get(port_name)))
        mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
        for flag in ("--tls-cert", "--tls-key", "--token-file", "--data-dir", "--backup-root"):
            path = values.get(flag, "")
            check(f"{where}{flag}={path} lies on a mounted volume",
                  any(path.startswith(m.rstrip("/") + "/") for m in mounts.values()))
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                check(f"{where}volume {volume['name']} uses a Secret of secret.yaml",
                      volume["secret"]["secretName"] in secrets)
        claims = [c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])]
        check(f"{where}the data volume is a PVC template", "data" in claims and "data" in mounts)
        check(f"{where}container runs as non-root with a read-only root",
              pod.get("securityContext", {}).get("runAsNonRoot") is True and
              container.get("securityContext", {}).get("readOnlyRootFilesystem") is True)
        check(f"{where}container has resource requests and a memory limit",
              container.get("resources", {}).get("requests") and
              container.get("resources", {}).get("limits", {}).get("memory"))
        governing = objects.get(("Service", spec.get("serviceName")), {})
        check(f"{where}serviceName is a headless Service", governing.get("spec", {}).get("clusterIP") == "None")
        return labels, ports, values

    sets = [o for (kind, _), o in objects.items() if kind == "StatefulSet"]
    if check("one StatefulSet", len(sets) == 1):
        spec = sets[0]["spec"]
        check("StatefulSet runs one replica (single writer)", spec.get("replicas") == 1)
        labels, ports, _ = check_pactlogd_set("", "statefulset.yaml", spec, objects)
        for (kind, name), service in objects.items():
            if kind == "Service":
                check(f"Service {name} selects the pods",
                      service["spec"]["selector"].items() <= labels.items())
                for port in service["spec"]["ports"]:
                    check(f"Service {name} port {port['name']} targets a container port",
                          port.get("targetPort") in ports or port.get("targetPort") in ports.values())
            if kind == "PodDisruptionBudget":
                check(f"PodDisruptionBudget {name} selects the pods",
                      service["spec"]["selector"]["matchLabels"].items() <= labels.items())

    # --- Dockerfile -----------------------------------------------------
    dockerfile_path = os.path.join(deploy, "Dockerfile")
    with open(dockerfile_path) as f:
        text = re.sub(r"\\\n", " ", f.read())
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.strip().startswith("#")]
    stages = [l.split() for l in lines if l.upper().startswith("FROM ")]
    check("Dockerfile stages are Debian 12",
          stages and all(s[1].startswith("debian:12") for s in stages), stages)
    names = {s[3] for s in stages if len(s) >= 4 and s[2].upper() == "AS"}
    for line in lines:
        match = re.match(r"COPY --from=(\S+)", line)
        if match:
            check(f"COPY --from={match.group(1)} names a stage", match.group(1) in names)
    final = lines[max(i for i, l in enumerate(lines) if l.upper().startswith("FROM ")):]
    users = [l.split()[1] for l in final if l.upper().startswith("USER ")]
    check("final stage runs as a non-root user",
          users and users[-1].split(":")[0] not in ("root", "0"), users)
    check("final stage declares the /var/lib/pactlog volume",
          any(l.upper().startswith("VOLUME") and "/var/lib/pactlog" in l for l in final))
    check("build uses the release preset", "cmake --preset release" in text)
    entry = [l for l in final if l.upper().startswith("ENTRYPOINT")]
    check("ENTRYPOINT is pactlogd", entry and '"pactlogd"' in entry[-1], entry)
    env_names = re.findall(r"\b(PACTLOG_[A-Z_]+)=", " ".join(l for l in final if l.upper().startswith("ENV")))
    check_env("Dockerfile ENV", env_names)
    health = [l for l in final if l.upper().startswith("HEALTHCHECK")]
    check("HEALTHCHECK runs pactctl health", health and '"pactctl"' in health[-1] and '"health"' in health[-1],
          health)
    health_port = re.search(r"127\.0\.0\.1:(\d+)", health[-1] if health else "")
    health_env = re.search(r"PACTLOG_HEALTH_LISTEN=\S+:(\d+)", text)
    check("HEALTHCHECK asks the health-only port",
          health_port and health_env and health_port.group(1) == health_env.group(1))
    if options.pactctl and os.path.exists(options.pactctl):
        pactctl_help = help_of(options.pactctl)
        argv = re.findall(r'"([^"]+)"', health[-1].split("CMD", 1)[1]) if health else []
        unknown = [f for f in flag_names(argv) if f not in flags_in_help(pactctl_help)]
        check(f"HEALTHCHECK pactctl flags exist ({' '.join(argv)})",
              argv and not unknown and re.search(r"^\s*health\b", pactctl_help, re.M), unknown)
    else:
        print("SKIP HEALTHCHECK pactctl flags: pactctl is not built here")
    # The build stage installs deploy/lib/common.sh's list: all in Debian 12.
    with tempfile.TemporaryDirectory() as scratch:
        shutil.copy(os.path.join(deploy, "lib", "common.sh"), os.path.join(scratch, "common.sh"))
        listed = run(["bash", "-c", 'source "$1/common.sh" && echo "${PACTLOG_PACKAGES[@]}"', "_", scratch])
    packages = listed.stdout.split()
    check("build stage package list comes out of common.sh", "libcpp-httplib-dev" in packages, listed.stderr)
    missing = [p for p in packages if run(["apt-cache", "show", p]).returncode != 0]
    check("build stage packages exist in Debian", packages and not missing, missing)
    check("Dockerfile.dockerignore leaves out build/ and .git",
          os.path.isfile(dockerfile_path + ".dockerignore") and
          {"build", ".git"} <= set(open(dockerfile_path + ".dockerignore").read().split()))

    # --- cluster mode: nats.Dockerfile ------------------------------------
    # (deploy/docker-compose.cluster.yml and deploy/k8s/cluster/ run
    # nats-server from this image; README: Running a cluster.)
    nats_dockerfile = os.path.join(deploy, "nats.Dockerfile")
    with open(nats_dockerfile) as f:
        nats_text = re.sub(r"\\\n", " ", f.read())
    nats_lines = [l.strip() for l in nats_text.splitlines() if l.strip() and not l.strip().startswith("#")]
    nats_stages = [l.split() for l in nats_lines if l.upper().startswith("FROM ")]
    check("nats.Dockerfile is one debian:12-slim stage",
          [s[1] for s in nats_stages] == ["debian:12-slim"], nats_stages)
    copies = {}
    for line in nats_lines:
        if line.upper().startswith("COPY "):
            source, destination = line.split()[1:3]
            copies[destination] = source
            check(f"nats.Dockerfile copies existing deploy/{source}", os.path.isfile(os.path.join(deploy, source)))
    sources_file = next((s for d, s in copies.items() if d.startswith("/etc/apt/sources.list.d/")
                         and d.endswith(".sources")), None)
    prefs_file = next((s for d, s in copies.items() if d.startswith("/etc/apt/preferences.d/")), None)
    sources = {}
    if check("nats.Dockerfile adds an apt source (deb822 .sources)", sources_file, copies):
        with open(os.path.join(deploy, sources_file)) as f:
            sources = dict(l.split(":", 1) for l in f.read().splitlines() if ":" in l and not l.startswith("#"))
        sources = {k.strip(): v.strip() for k, v in sources.items()}
        check(f"{sources_file} is Debian 13 (trixie) main",
              sources.get("Suites") == "trixie" and sources.get("Components") == "main"
              and sources.get("Types") == "deb", sources)
    pins = []
    if check("nats.Dockerfile adds apt preferences", prefs_file, copies):
        with open(os.path.join(deploy, prefs_file)) as f:
            text = "\n".join(l for l in f.read().splitlines() if not l.startswith("#"))
        for stanza in re.split(r"\n\s*\n", text.strip()):
            fields = dict(l.split(":", 1) for l in stanza.splitlines() if ":" in l)
            pins.append(tuple(fields.get(k, "").strip() for k in ("Package", "Pin", "Pin-Priority")))
        check(f"{prefs_file}: everything from trixie at priority 1, nats-server at 990",
              sorted(pins) == sorted([("*", "release n=trixie", "1"),
                                      ("nats-server", "release n=trixie", "990")]), pins)
    check("nats.Dockerfile installs nats-server without recommends",
          re.search(r"apt-get install -y --no-install-recommends nats-server\b", nats_text))
    check("nats.Dockerfile stops when apt would take more than nats-server from Debian 13",
          re.search(r"apt-get install -s --no-install-recommends nats-server\b", nats_text)
          and '$2 != "nats-server"' in nats_text and ":13[" in nats_text)
    check("nats.Dockerfile refuses a nats-server older than 2.10.23",
          "2.10.23" in nats_text and "sort -V -C" in nats_text)
    # What apt does with exactly these pins, on this machine's package lists:
    # as on an empty system (every dependency to install), nats-server must
    # come from Debian 13 and everything else from Debian 12.
    policy = run(["apt-cache", "policy", "nats-server"]).stdout
    if prefs_file and re.search(r"\btrixie/main\b", policy) and re.search(r"\bbookworm/main\b", policy):
        with tempfile.TemporaryDirectory() as scratch:
            os.mkdir(os.path.join(scratch, "preferences.d"))
            shutil.copy(os.path.join(deploy, prefs_file), os.path.join(scratch, "preferences.d", "pactlog-trixie"))
            open(os.path.join(scratch, "status"), "w").close()
            plan = run(["apt-get", "-s", "-o", "Debug::NoLocking=1",
                        "-o", f"Dir::State::status={scratch}/status",
                        "-o", f"Dir::Etc::Preferences={scratch}/none",
                        "-o", f"Dir::Etc::PreferencesParts={scratch}/preferences.d",
                        "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=",
                        "install", "--no-install-recommends", "nats-server"])
        installs = re.findall(r"^Inst (\S+) (?:\[\S+\] )?\((\S+) (\S+)", plan.stdout, re.M)
        from_13 = [p for p, _, origin in installs if re.search(r":13[./]", origin)]
        nats_version = [v for p, v, _ in installs if p == "nats-server"]
        check(f"with these pins apt takes nats-server {''.join(nats_version)} alone from Debian 13 "
              f"({len(installs)} packages on an empty system)",
              plan.returncode == 0 and from_13 == ["nats-server"] and
              all(re.search(r":12[./]", o) for p, _, o in installs if p != "nats-server"),
              f"from Debian 13: {from_13}; {plan.stderr.strip()}")
    else:
        print("SKIP apt pins of nats.Dockerfile: this machine's apt has no bookworm and trixie lists")
    nats_final = nats_lines[max(i for i, l in enumerate(nats_lines) if l.upper().startswith("FROM ")):] \
        if nats_stages else []
    nats_users = [l.split()[1] for l in nats_final if l.upper().startswith("USER ")]
    nats_uid = nats_users[-1].split(":") if nats_users else ["0"]
    check("nats.Dockerfile runs as a numeric non-root uid:gid (runAsNonRoot can check it)",
          len(nats_uid) == 2 and all(p.isdigit() and p != "0" for p in nats_uid), nats_users)
    check("nats.Dockerfile gives the package's nats user that uid and gid",
          re.search(rf"usermod --uid {nats_uid[0]} --gid {nats_uid[-1]} nats\b", nats_text)
          and re.search(rf"groupmod --gid {nats_uid[-1]} nats\b", nats_text))
    nats_volumes = [v for l in nats_final if l.upper().startswith("VOLUME")
                    for v in re.findall(r'"([^"]+)"', l)]
    exposed = {p for l in nats_final if l.upper().startswith("EXPOSE") for p in l.split()[1:]}
    nats_entry = [l for l in nats_final if l.upper().startswith("ENTRYPOINT")]
    nats_cmd = [l for l in nats_final if l.upper().startswith("CMD")]
    check("nats.Dockerfile ENTRYPOINT is nats-server", nats_entry and "nats-server" in nats_entry[-1], nats_entry)
    image_config = json.loads(nats_cmd[-1].split(None, 1)[1]) if nats_cmd else []
    image_config = image_config[image_config.index("--config") + 1] if "--config" in image_config else ""
    nats_health = [l for l in nats_final if l.upper().startswith("HEALTHCHECK")]
    health_argv = json.loads(nats_health[-1].split("CMD", 1)[1]) if nats_health else []
    health_target = re.search(r"/dev/tcp/127\.0\.0\.1/(\d+)", " ".join(health_argv))
    check("nats.Dockerfile HEALTHCHECK asks /healthz over HTTP",
          health_target and "GET /healthz " in " ".join(health_argv), health_argv)

    def nats_block(text, key):
        """The text inside `key { ... }` (or `key: {`), "" when absent."""
        match = re.search(rf"(?m)^\s*{key}\s*[:=]?\s*\{{", text)
        if not match:
            return ""
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            if depth == 0:
                return text[start:i]
        return ""

    def nats_value(text, key):
        match = re.search(rf"(?m)^\s*{key}\s*[:=]?\s*(\"[^\"]*\"|[^\s,}}]+)", text)
        return match.group(1).strip('"') if match else None

    def check_nats_config(where, text, server_name, servers, env=None):
        """A nats-server configuration of a pactlog cluster: JetStream with
        sync_interval: always in the image's volume, the ports the image
        exposes and probes, routes to exactly `servers` (host names, maybe
        including its own) on the cluster port, and `nats-server -t`."""
        raw, text = text, re.sub(r"(?m)#.*$", "", text)
        jetstream = nats_block(text, "jetstream")
        check(f"{where}: jetstream block has sync_interval: always",
              nats_value(jetstream, "sync_interval") == "always", jetstream.strip())
        check(f"{where}: JetStream store_dir is the image's volume {nats_volumes}",
              nats_value(jetstream, "store_dir") in nats_volumes, nats_value(jetstream, "store_dir"))
        check(f"{where}: server_name is {server_name}",
              nats_value(text, "server_name") == server_name, nats_value(text, "server_name"))
        cluster = nats_block(text, "cluster")
        top = text.replace(cluster, "").replace(jetstream, "")  # the top level's own settings
        ports = {"client": (nats_value(top, "listen") or ":").rsplit(":", 1)[1],
                 "monitor": (nats_value(top, "http") or ":").rsplit(":", 1)[1],
                 "cluster": (nats_value(cluster, "listen") or ":").rsplit(":", 1)[1]}
        check(f"{where}: client, cluster and monitoring ports {sorted(ports.values())} are the image's EXPOSE",
              set(ports.values()) <= exposed, f"{ports} vs {exposed}")
        check(f"{where}: monitoring port is the one the image's HEALTHCHECK asks",
              health_target and ports["monitor"] == health_target.group(1))
        routes_text = re.search(r"routes\s*[:=]?\s*\[([^\]]*)\]", cluster)
        routes = re.findall(r"nats(?:-route)?://([^\s,\]]+)", routes_text.group(1) if routes_text else "")
        hosts = [r.rsplit(":", 1)[0] for r in routes]
        # A file per server routes to the other two; one shared by all three
        # (server_name from the environment) routes to all three.
        itself = {server_name} if server_name in servers else set()
        check(f"{where}: cluster routes name {len(routes)} servers, with itself the 3 of the cluster, "
              f"on its cluster port {ports['cluster']}",
              len(servers) == 3 and len(set(hosts)) == len(hosts) and len(routes) in (2, 3)
              and (set(hosts) | itself) == set(servers)
              and all(r.rsplit(":", 1)[1] == ports["cluster"] for r in routes),
              f"routes {routes} vs servers {servers}")
        if nats_server:
            with tempfile.TemporaryDirectory() as scratch:
                path = os.path.join(scratch, "nats.conf")
                with open(path, "w") as f:
                    f.write(raw)
                result = run([nats_server, "-t", "-c", path], env=dict(os.environ, **(env or {})))
            output = (result.stdout + result.stderr).strip()
            check(f"{where}: nats-server -t accepts it", result.returncode == 0 and "is valid" in output, output)
        return ports

    nats_server = shutil.which("nats-server") or ("/usr/sbin/nats-server" if os.access(
        "/usr/sbin/nats-server", os.X_OK) else "")
    if nats_server:
        version = re.search(r"v(\d+)\.(\d+)\.(\d+)", run([nats_server, "--version"]).stdout)
        if not version or tuple(map(int, version.groups())) < (2, 10, 23):
            print(f"SKIP nats-server -t: {nats_server} is {version.group(0) if version else '?'}, "
                  "older than the 2.10.23 pactlog needs (deploy/lib/common.sh installs one)")
            nats_server = ""
    else:
        print("SKIP nats-server -t: nats-server is not installed (deploy/lib/common.sh installs it)")

    if nats_server and health_target and shutil.which(health_argv[0]) and len(health_argv) == 3:
        # The image's health check command, on this machine: it fails when
        # /healthz answers 503 (as a server not yet current with the cluster
        # does) and passes on a JetStream server's monitoring port.
        def health_check_on(port):
            return run(health_argv[:2] + [health_argv[2].replace(f"/{health_target.group(1)} ", f"/{port} ")])

        class Unavailable(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(503)
                self.end_headers()

            def log_message(self, *args):
                pass

        unavailable = http.server.HTTPServer(("127.0.0.1", 0), Unavailable)
        threading.Thread(target=unavailable.serve_forever, daemon=True).start()
        try:
            check("nats.Dockerfile HEALTHCHECK fails when /healthz answers 503",
                  health_check_on(unavailable.server_address[1]).returncode != 0)
        finally:
            unavailable.shutdown()
            unavailable.server_close()
        with socket.socket() as probe_socket:
            probe_socket.bind(("127.0.0.1", 0))
            monitor_port = probe_socket.getsockname()[1]
        with tempfile.TemporaryDirectory() as scratch:
            server = subprocess.Popen([nats_server, "-a", "127.0.0.1", "-p", "-1", "-m", str(monitor_port),
                                       "-js", "-sd", scratch], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            try:
                deadline = time.monotonic() + 10
                while health_check_on(monitor_port).returncode != 0 and time.monotonic() < deadline:
                    time.sleep(0.2)
                check("nats.Dockerfile HEALTHCHECK passes on a JetStream server's monitoring port",
                      health_check_on(monitor_port).returncode == 0)
            finally:
                server.terminate()
                server.wait(timeout=30)

    def nats_url_hosts(url):
        """["host:port", ...] of a --log=nats://h1:p,h2:p URL."""
        return url[len("nats://"):].split(",") if url.startswith("nats://") else []

    def monitor_url_hosts(urls):
        """["host:port", ...] of a --nats-monitor=http://h1:p,http://h2:p list."""
        parts = urls.split(",") if urls else []
        return [u[len("http://"):].rstrip("/") for u in parts] if all(u.startswith("http://") for u in parts) else []

    # --- cluster mode: docker-compose.cluster.yml ---------------------------
    cluster_compose = documents.get("deploy/docker-compose.cluster.yml", [{}])[0]
    check("docker-compose.cluster.yml has a project name of its own (volumes apart from the single node's)",
          cluster_compose.get("name") and cluster_compose.get("name") != compose.get("name"))
    services = cluster_compose.get("services", {})
    nats_services = sorted(n for n, s in services.items() if str(s.get("image", "")).startswith("pactlog-nats:"))
    replica_services = sorted(n for n, s in services.items() if str(s.get("image", "")).startswith("pactlog:"))
    check(f"docker-compose.cluster.yml runs 3 nats-servers ({', '.join(nats_services)})", len(nats_services) == 3)
    check(f"docker-compose.cluster.yml runs 2 pactlogd replicas ({', '.join(replica_services)})",
          len(replica_services) == 2)
    declared_volumes = set((cluster_compose.get("volumes") or {}).keys())
    used_volumes = []
    client_ports = set()
    for name in nats_services:
        service = services[name]
        build = service.get("build", {})
        check(f"docker-compose.cluster.yml {name} builds deploy/nats.Dockerfile",
              os.path.normpath(os.path.join(deploy, build.get("context", ""), build.get("dockerfile", "")))
              == os.path.normpath(nats_dockerfile), build)
        command = service.get("command", [])
        config_path = command[command.index("--config") + 1] if "--config" in command else image_config
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", [])}
        config_source = mounts.get(config_path, "")
        if check(f"docker-compose.cluster.yml {name} mounts an existing config at {config_path}",
                 config_source.startswith(".") and os.path.isfile(os.path.join(deploy, config_source)),
                 mounts):
            with open(os.path.join(deploy, config_source)) as f:
                ports = check_nats_config(os.path.normpath(os.path.join("deploy", config_source)), f.read(),
                                          name, nats_services)
            client_ports.add(ports["client"])
        data = [source for target, source in mounts.items() if target in nats_volumes]
        check(f"docker-compose.cluster.yml {name} has a named volume of its own at {nats_volumes}",
              len(data) == 1 and data[0] in declared_volumes and data[0] not in used_volumes, mounts)
        used_volumes += data
        check(f"docker-compose.cluster.yml {name} publishes no port (nats-server has no authentication here)",
              not service.get("ports"))
    for name in replica_services:
        service = services[name]
        command = service.get("command", [])
        check_flags(f"docker-compose.cluster.yml {name}", command)
        values = dict(a.split("=", 1) for a in command if "=" in a)
        build = service.get("build", {})
        check(f"docker-compose.cluster.yml {name} builds deploy/Dockerfile",
              os.path.normpath(os.path.join(deploy, build.get("context", ""), build.get("dockerfile", "")))
              == os.path.normpath(dockerfile_path), build)
        hosts = nats_url_hosts(values.get("--log", ""))
        check(f"docker-compose.cluster.yml {name} --log names the 3 nats services on their client port",
              sorted(h.rsplit(":", 1)[0] for h in hosts) == nats_services and len(client_ports) == 1
              and all(h.rsplit(":", 1)[1] in client_ports for h in hosts), f"{hosts} vs {nats_services}")
        monitors = monitor_url_hosts(values.get("--nats-monitor", ""))
        check(f"docker-compose.cluster.yml {name} --nats-monitor names the 3 nats services on their monitoring port",
              sorted(h.rsplit(":", 1)[0] for h in monitors) == nats_services and health_target
              and all(h.rsplit(":", 1)[1] == health_target.group(1) for h in monitors), f"{monitors}")
        depends = service.get("depends_on", {})
        check(f"docker-compose.cluster.yml {name} waits for the nats services to be healthy",
              isinstance(depends, dict) and sorted(depends) == nats_services and
              all(d.get("condition") == "service_healthy" for d in depends.values()), depends)
        mounts = {v.split(":")[1]: v.split(":")[0] for v in service.get("volumes", [])}
        data = [source for target, source in mounts.items() if target == "/var/lib/pactlog"]
        check(f"docker-compose.cluster.yml {name} has a named volume of its own at /var/lib/pactlog",
              len(data) == 1 and data[0] in declared_volumes and data[0] not in used_volumes, mounts)
        used_volumes += data
        for flag in ("--data-dir", "--backup-root"):
            check(f"docker-compose.cluster.yml {name} {flag} lies on its volume",
                  values.get(flag, "").startswith("/var/lib/pactlog/"))
        published = service.get("ports", [])
        listen_port = values.get("--listen", ":").rsplit(":", 1)[1]
        check(f"docker-compose.cluster.yml {name} publishes its --listen port on 127.0.0.1 only "
              f"(--insecure: no TLS, no tokens)",
              published and all(p.startswith("127.0.0.1:") for p in published)
              and any(p.rsplit(":", 1)[1] == listen_port for p in published), published)
        check(f"docker-compose.cluster.yml {name} --health-listen is the port the image's HEALTHCHECK asks",
              health_port and values.get("--health-listen", ":").rsplit(":", 1)[1] == health_port.group(1))
    published = [p.rsplit(":", 1)[0] for n in replica_services for p in services[n].get("ports", [])]
    check("docker-compose.cluster.yml replicas publish different host ports", len(set(published)) == len(published))

    # --- cluster mode: k8s/cluster/ -----------------------------------------
    cluster_dir = os.path.join(deploy, "k8s", "cluster")
    cluster_objects = k8s_objects(documents, "deploy/k8s/cluster")
    kustomization = documents.get("deploy/k8s/cluster/kustomization.yaml", [{}])[0]
    resources = kustomization.get("resources", [])
    for resource in resources:
        check(f"k8s/cluster kustomization resource {resource} exists",
              os.path.isfile(os.path.join(cluster_dir, resource)))
    listed = sorted(n for n in os.listdir(cluster_dir) if n.endswith((".yaml", ".yml")) and n != "kustomization.yaml")
    check("k8s/cluster kustomization lists every manifest beside it", sorted(resources) == listed,
          f"{resources} vs {listed}")
    kubectl = shutil.which("kubectl")
    if kubectl:
        result = run([kubectl, "kustomize", cluster_dir])
        rendered = [d for d in yaml.safe_load_all(result.stdout) if d] if result.returncode == 0 else []
        check(f"kubectl kustomize deploy/k8s/cluster renders its {len(cluster_objects)} objects",
              result.returncode == 0 and len(rendered) == len(cluster_objects), result.stderr[:400])
    else:
        print("SKIP kubectl kustomize deploy/k8s/cluster: kubectl is not installed")
    check("k8s/cluster holds no Secret (it uses deploy/k8s/secret.yaml's)",
          not any(kind == "Secret" for kind, _ in cluster_objects))
    images = {i.get("name") for i in kustomization.get("images", [])}
    containers = [(o, c) for (kind, _), o in cluster_objects.items() if kind == "StatefulSet"
                  for c in o["spec"]["template"]["spec"]["containers"]]
    check("k8s/cluster images are pactlog and pactlog-nats, each given in the kustomization",
          {c["image"] for _, c in containers} == {"pactlog", "pactlog-nats"} <= images,
          f"{[c['image'] for _, c in containers]} vs {images}")
    workloads = {c["image"]: o for o, c in containers}
    nats_set, replica_set = workloads.get("pactlog-nats"), workloads.get("pactlog")

    def selects(selector, labels):
        return bool(selector) and selector.items() <= labels.items()

    def pod_labels(workload):
        return workload["spec"]["template"]["metadata"]["labels"] if workload else {}

    nats_labels, replica_labels = pod_labels(nats_set), pod_labels(replica_set)
    check("k8s/cluster nats and pactlogd pods are told apart by their labels",
          nats_labels and replica_labels and not selects(nats_labels, replica_labels)
          and not selects(replica_labels, nats_labels))
    nats_container = next((c for _, c in containers if c["image"] == "pactlog-nats"), {})
    nats_ports = {p["name"]: p["containerPort"] for p in nats_container.get("ports", [])}
    pod_names = []
    if check("k8s/cluster has a nats StatefulSet", nats_set):
        spec = nats_set["spec"]
        pod = spec["template"]["spec"]
        check("nats StatefulSet runs 3 replicas", spec.get("replicas") == 3)
        check("nats StatefulSet starts its pods in parallel (each is ready only with a majority)",
              spec.get("podManagementPolicy") == "Parallel")
        check("nats StatefulSet selector matches its pods", selects(spec["selector"]["matchLabels"], nats_labels))
        terms = pod.get("affinity", {}).get("podAntiAffinity", {}).get(
            "requiredDuringSchedulingIgnoredDuringExecution", [])
        check("nats pods require different nodes (required anti-affinity on kubernetes.io/hostname)",
              any(t.get("topologyKey") == "kubernetes.io/hostname" and
                  selects(t.get("labelSelector", {}).get("matchLabels"), nats_labels) for t in terms), terms)
        governing = cluster_objects.get(("Service", spec.get("serviceName")), {}).get("spec", {})
        check("nats serviceName is a headless Service that publishes not-ready pods",
              governing.get("clusterIP") == "None" and governing.get("publishNotReadyAddresses") is True)
        pod_names = [f"{nats_set['metadata']['name']}-{i}.{spec.get('serviceName')}"
                     for i in range(spec.get("replicas", 0))]
        security = pod.get("securityContext", {})
        check(f"nats pods run as non-root, the image's uid:gid {':'.join(nats_uid)}",
              security.get("runAsNonRoot") is True and
              [str(security.get("runAsUser")), str(security.get("runAsGroup"))] == nats_uid and
              str(security.get("fsGroup")) == nats_uid[-1], security)
        check("nats container has a read-only root and no privilege escalation",
              nats_container.get("securityContext", {}).get("readOnlyRootFilesystem") is True and
              nats_container.get("securityContext", {}).get("allowPrivilegeEscalation") is False)
        check("nats container has resource requests and a memory limit",
              nats_container.get("resources", {}).get("requests") and
              nats_container.get("resources", {}).get("limits", {}).get("memory"))
        for probe in ("readinessProbe", "livenessProbe"):
            http_get = nats_container.get(probe, {}).get("httpGet", {})
            port = nats_ports.get(http_get.get("port"), http_get.get("port"))
            check(f"nats {probe} is HTTP /healthz on the monitoring port",
                  str(http_get.get("path", "")).startswith("/healthz") and
                  str(port) == (health_target.group(1) if health_target else None), http_get)
        check("nats readinessProbe is the full /healthz (current with the cluster)",
              nats_container.get("readinessProbe", {}).get("httpGet", {}).get("path") == "/healthz")
        env = {e["name"]: e for e in nats_container.get("env", [])}
        check("nats POD_NAME comes from the pod's name",
              env.get("POD_NAME", {}).get("valueFrom", {}).get("fieldRef", {}).get("fieldPath") == "metadata.name")
        mounts = {m["name"]: m["mountPath"] for m in nats_container.get("volumeMounts", [])}
        claims = [c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])]
        check(f"nats JetStream volume {nats_volumes} is a PVC template",
              any(mounts.get(c) in nats_volumes for c in claims), f"{claims} {mounts}")
        args = nats_container.get("args", [])
        config_path = args[args.index("--config") + 1] if "--config" in args else image_config
        config_volume = next((v for v in pod.get("volumes", []) if "configMap" in v and
                              mounts.get(v["name"]) == os.path.dirname(config_path)), {})
        configmap = cluster_objects.get(("ConfigMap", config_volume.get("configMap", {}).get("name")), {})
        config_text = configmap.get("data", {}).get(os.path.basename(config_path))
        if check(f"nats --config {config_path} is a key of a ConfigMap mounted there", config_text):
            ports = check_nats_config(f"ConfigMap {configmap['metadata']['name']}", config_text,
                                      "$POD_NAME", pod_names, env={"POD_NAME": f"{nats_set['metadata']['name']}-0"})
            check("nats container ports are the config's", {k: str(v) for k, v in nats_ports.items()} == ports,
                  f"{nats_ports} vs {ports}")
        budgets = [o for (kind, _), o in cluster_objects.items() if kind == "PodDisruptionBudget"
                   and selects(o["spec"]["selector"].get("matchLabels"), nats_labels)]
        check("a PodDisruptionBudget of maxUnavailable 1 selects the nats pods (a majority stays)",
              len(budgets) == 1 and budgets[0]["spec"].get("maxUnavailable") == 1
              and "minAvailable" not in budgets[0]["spec"], budgets)
        policies = [o for (kind, _), o in cluster_objects.items() if kind == "NetworkPolicy"
                    and selects(o["spec"]["podSelector"].get("matchLabels"), nats_labels)]
        allowed = {(port.get("port"), tuple(sorted(peer.get("podSelector", {}).get("matchLabels", {}).items())))
                   for p in policies for rule in p["spec"].get("ingress", [])
                   for port in rule.get("ports", []) for peer in rule.get("from", [])}
        wanted = {("client", tuple(sorted(replica_labels.items()))), ("monitor", tuple(sorted(replica_labels.items()))),
                  ("cluster", tuple(sorted(nats_labels.items())))}
        check("a NetworkPolicy admits only pactlogd to the nats client and monitoring ports and nats to its route port",
              len(policies) == 1 and "Ingress" in policies[0]["spec"].get("policyTypes", []) and allowed == wanted
              and all(rule.get("from") for rule in policies[0]["spec"].get("ingress", [])), allowed)

    if check("k8s/cluster has a pactlogd StatefulSet", replica_set):
        spec = replica_set["spec"]
        check("pactlogd StatefulSet runs 2 replicas", spec.get("replicas") == 2)
        check("pactlogd StatefulSet is not deploy/k8s's (never mounts a single-node log's volume)",
              replica_set["metadata"]["name"] not in {n for (k, n) in objects if k == "StatefulSet"})
        _, replica_ports, values = check_pactlogd_set("k8s/cluster ", "k8s/cluster/statefulset.yaml", spec,
                                                       cluster_objects)
        hosts = nats_url_hosts(values.get("--log", ""))
        check("k8s/cluster pactlogd --log names the 3 nats pods' DNS names on the client port",
              sorted(h.rsplit(":", 1)[0] for h in hosts) == sorted(pod_names) and len(pod_names) == 3
              and all(h.rsplit(":", 1)[1] == str(nats_ports.get("client")) for h in hosts),
              f"{hosts} vs {pod_names}")
        monitors = monitor_url_hosts(values.get("--nats-monitor", ""))
        check("k8s/cluster pactlogd --nats-monitor names the 3 nats pods' DNS names on the monitoring port",
              sorted(h.rsplit(":", 1)[0] for h in monitors) == sorted(pod_names)
              and all(h.rsplit(":", 1)[1] == str(nats_ports.get("monitor")) for h in monitors), f"{monitors}")
        terms = spec["template"]["spec"].get("affinity", {}).get("podAntiAffinity", {}).get(
            "preferredDuringSchedulingIgnoredDuringExecution", [])
        check("pactlogd pods prefer different nodes (preferred anti-affinity on kubernetes.io/hostname)",
              any(t.get("podAffinityTerm", {}).get("topologyKey") == "kubernetes.io/hostname" and
                  selects(t["podAffinityTerm"].get("labelSelector", {}).get("matchLabels"), replica_labels)
                  for t in terms), terms)
        budgets = [o for (kind, _), o in cluster_objects.items() if kind == "PodDisruptionBudget"
                   and selects(o["spec"]["selector"].get("matchLabels"), replica_labels)]
        check("a PodDisruptionBudget of minAvailable 1 selects the pactlogd pods",
              len(budgets) == 1 and budgets[0]["spec"].get("minAvailable") == 1, budgets)
        check("the client Service pactlog selects the pactlogd replicas",
              selects(cluster_objects.get(("Service", "pactlog"), {}).get("spec", {}).get("selector"),
                      replica_labels))
        for (kind, name), service in cluster_objects.items():
            if kind != "Service":
                continue
            selector = service["spec"].get("selector")
            targets = [(w, p) for w, p in ((nats_set, nats_ports), (replica_set, replica_ports))
                       if selects(selector, pod_labels(w))]
            if check(f"k8s/cluster Service {name} selects the pods of one StatefulSet", len(targets) == 1,
                     selector):
                for port in service["spec"]["ports"]:
                    check(f"k8s/cluster Service {name} port {port['name']} targets a container port",
                          port.get("targetPort") in targets[0][1] or
                          port.get("targetPort") in targets[0][1].values())
        for (kind, name), budget in cluster_objects.items():
            if kind == "PodDisruptionBudget":
                check(f"k8s/cluster PodDisruptionBudget {name} selects the pods of one StatefulSet",
                      [selects(budget["spec"]["selector"].get("matchLabels"), l)
                       for l in (nats_labels, replica_labels)].count(True) == 1)

    # --- systemd unit -----------------------------------------------------
    unit_path = os.path.join(deploy, "systemd", "pactlogd.service")
    with open(unit_path) as f:
        unit = f.read()
    exec_start = [l.split("=", 1)[1] for l in unit.splitlines() if l.startswith("ExecStart=")]
    if check("unit has one ExecStart", len(exec_start) == 1):
        argv = shlex.split(exec_start[0])
        check("ExecStart runs pactlogd", os.path.basename(argv[0]) == "pactlogd", argv[0])
        check_flags("pactlogd.service ExecStart", argv[1:])
        check_env("pactlogd.service Environment",
                  re.findall(r"^Environment=(PACTLOG_[A-Z_]+)=", unit, re.M))
    for setting in ("NoNewPrivileges=yes", "ProtectSystem=strict", "StateDirectory=pactlog"):
        check(f"unit sets {setting}", re.search(rf"^{re.escape(setting)}$", unit, re.M))
    check("unit runs as a dynamic or dedicated user",
          re.search(r"^(DynamicUser=yes|User=\S+)$", unit, re.M))
    with tempfile.TemporaryDirectory() as scratch:
        # verify needs the ExecStart binary to exist: point it at the one
        # built here, nothing else changes.
        copy = os.path.join(scratch, "pactlogd.service")
        with open(copy, "w") as f:
            f.write(unit.replace(argv[0], os.path.abspath(options.pactlogd)))
        result = run(["systemd-analyze", "verify", copy])
        output = (result.stdout + result.stderr).strip()
        check("systemd-analyze verify deploy/systemd/pactlogd.service",
              result.returncode == 0 and not output, output)
        # --threshold counts tenths: 30 is an exposure level of 3.0.
        result = run(["systemd-analyze", "security", "--offline=yes", "--threshold=30", copy])
        exposure = re.search(r"Overall exposure level for \S+: ([\d.]+)", result.stdout)
        check("systemd-analyze security rates the unit's exposure <= 3.0",
              result.returncode == 0 and exposure, (exposure.group(0) if exposure else result.stderr))
        if exposure:
            print(f"     exposure level {exposure.group(1)}")

    passed, failed = RESULTS.count(True), RESULTS.count(False)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
