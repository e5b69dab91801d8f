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
  `systemd-analyze security` rates its exposure at most 3.0.

usage: deploy_files_test.py --root REPO --pactlogd BINARY [--pactctl BINARY]
Prints one line per check and "N passed, M failed"; exits 1 on a failure.
"""
import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

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
    objects = {}
    for rel, docs in documents.items():
        if rel.startswith("deploy/k8s/") and not rel.endswith("kustomization.yaml"):
            for doc in docs:
                ok = all(k in doc for k in ("apiVersion", "kind", "metadata")) and "name" in doc["metadata"]
                check(f"{rel}: {doc.get('kind')} {doc.get('metadata', {}).get('name')} is a k8s object", ok)
                if ok:
                    objects[(doc["kind"], doc["metadata"]["name"])] = doc
    kustomization = documents.get("deploy/k8s/kustomization.yaml", [{}])[0]
    for resource in kustomization.get("resources", []):
        check(f"kustomization resource {resource} exists",
              os.path.isfile(os.path.join(deploy, "k8s", resource)))
    check("kustomization leaves secret.yaml out", "secret.yaml" not in kustomization.get("resources", []))

    sets = [o for (kind, _), o in objects.items() if kind == "StatefulSet"]
    if check("one StatefulSet", len(sets) == 1):
        spec = sets[0]["spec"]
        check("StatefulSet runs one replica (single writer)", spec.get("replicas") == 1)
        pod = spec["template"]["spec"]
        labels = spec["template"]["metadata"]["labels"]
        check("StatefulSet selector matches its pods",
              spec["selector"]["matchLabels"].items() <= labels.items())
        container = pod["containers"][0]
        args = container.get("args", [])
        check_flags("statefulset.yaml pactlogd", args)
        values = dict(a.split("=", 1) for a in args if "=" in a)
        ports = {p["name"]: p["containerPort"] for p in container.get("ports", [])}
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            grpc = container.get(probe, {}).get("grpc")
            check(f"{probe} is a native gRPC probe on the --health-listen port",
                  grpc and str(grpc.get("port")) == values.get("--health-listen", ":").rsplit(":", 1)[1]
                  and grpc.get("port") == ports.get("health"), f"{grpc} vs {values.get('--health-listen')}")
        for probe in ("startupProbe", "readinessProbe"):
            grpc = container.get(probe, {}).get("grpc") or {}
            check(f"{probe} asks for pactlog.v1.DealLedger (\"\" is SERVING before pactlogd sets it)",
                  grpc.get("service") == "pactlog.v1.DealLedger", f"{grpc}")
        for flag, port_name in (("--listen", "grpc"), ("--metrics-listen", "metrics")):
            check(f"{flag} port is the container port {port_name}",
                  values.get(flag, ":").rsplit(":", 1)[1] == str(ports.get(port_name)))
        mounts = {m["name"]: m["mountPath"] for m in container.get("volumeMounts", [])}
        for flag in ("--tls-cert", "--tls-key", "--token-file", "--data-dir", "--backup-root"):
            path = values.get(flag, "")
            check(f"{flag}={path} lies on a mounted volume",
                  any(path.startswith(m.rstrip("/") + "/") for m in mounts.values()))
        secrets = {(o["metadata"]["name"]) for (kind, _), o in objects.items() if kind == "Secret"}
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                check(f"volume {volume['name']} uses a Secret of secret.yaml",
                      volume["secret"]["secretName"] in secrets)
        claims = [c["metadata"]["name"] for c in spec.get("volumeClaimTemplates", [])]
        check("the data volume is a PVC template", "data" in claims and "data" in mounts)
        check("container runs as non-root with a read-only root",
              pod.get("securityContext", {}).get("runAsNonRoot") is True and
              container.get("securityContext", {}).get("readOnlyRootFilesystem") is True)
        governing = objects.get(("Service", spec.get("serviceName")), {})
        check("serviceName is a headless Service", governing.get("spec", {}).get("clusterIP") == "None")
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
