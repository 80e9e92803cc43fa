# Turnout: the two set-up commands are `make run` and `make test` (see README.md).
MVN ?= mvn -B
JAR := target/quarkus-app/quarkus-run.jar

BENCH_ARGS ?=
CONTROL_PLANE_DIR ?= $(HOME)/.cache/turnout/control-plane

.PHONY: run test build crds bench bench-real tools controlplane clean

## run: build the operator and show it on an embedded Kubernetes API with the sample app
run: tools build
	$(MVN) -q test-compile exec:java -Dexec.mainClass=dev.turnout.demo.DemoMain -Dexec.classpathScope=test \
	  -Dturnout.demo.jar=$(JAR)

## test: the whole suite (unit, embedded-cluster, Helm, S3, Prometheus tests, and the real tier: a real
## kube-apiserver and kube-controller-manager, see docs/testing.md) with the coverage floor
test: tools controlplane
	$(MVN) verify -Dturnout.controlplane.dir=$(CONTROL_PLANE_DIR)

## controlplane: build the real control plane (kube-apiserver, kube-controller-manager, kubectl, etcd) from Go
## modules, once; cached in $(CONTROL_PLANE_DIR)
controlplane:
	@TURNOUT_CONTROL_PLANE_DIR=$(CONTROL_PLANE_DIR) bash scripts/build-control-plane.sh >/dev/null

## build: the operator jar (target/quarkus-app/quarkus-run.jar), tests skipped
build:
	$(MVN) -q package -DskipTests

## crds: regenerate crds/ from the Java types, then docs/reference/ from crds/, and k8s/base + k8s/overlays from the
## chart (tests fail while any of them is out of date)
crds:
	$(MVN) -q test -Dtest=CrdsUpToDateTest -Dturnout.crds.write=true -Djacoco.skip=true
	$(MVN) -q test -Dtest=ReferenceDocsUpToDateTest,ManifestsUpToDateTest -Dturnout.crds.write=true \
	  -Dturnout.manifests.write=true -Djacoco.skip=true

## bench: benchmarks that print figures, never assert them (not part of `make test`; the classes have no Test
## suffix): switch and revert latency (p50/p99 over 50 releases), release scale, probe throughput, and the scale
## benchmark (1,000 AppReleases and HealthPolicies, 100 DatabaseBackups, 100 probed releases, the operator jar as a
## process of its own; about 15 minutes of the whole on a loaded 2-core machine).
## Each benchmark class runs in a JVM of its own. Options: make bench BENCH_ARGS=-Dbench.releases=100 and, for a
## shorter scale run, SCALE_ARGS="-Dbench.releases=300 -Dbench.probeReleases=30" (docs/performance.md)
SCALE_ARGS ?=
bench: tools build
	@bash scripts/bench-plugin.sh
	$(MVN) -q test-compile exec:java -Dexec.mainClass=dev.turnout.bench.ProbeBenchmark -Dexec.classpathScope=test
	$(MVN) -q test -Djacoco.skip=true -DreuseForks=false -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dtest='SwitchLatencyBenchmark,RevertBenchmark,ReleaseScaleBenchmark' \
	  -Dquarkus.log.category.\"io.fabric8.mockwebserver\".level=WARN -Dquarkus.log.level=WARN $(BENCH_ARGS)
	$(MVN) -q exec:java -Dexec.mainClass=dev.turnout.bench.ScaleBenchmark -Dexec.classpathScope=test \
	  -Dbench.releases=1000 -Dbench.probeReleases=100 $(SCALE_ARGS)

## bench-real: the scale benchmark on the real tier (real kube-apiserver, kube-controller-manager, etcd; the operator
## jar under the chart's RBAC; writes from the audit log). Default 1,000 releases: SCALE_ARGS=-Dbench.releases=200
## for a shorter run. Prints BENCH lines on the console (also in the report XML's system-out)
bench-real: tools build controlplane
	$(MVN) -q test-compile failsafe:integration-test@real-tier -Dit.test=ScaleRealBench \
	  -Dturnout.controlplane.dir=$(CONTROL_PLANE_DIR) $(SCALE_ARGS)

## tools: what a fresh machine lacks for the tests (Debian packages); idempotent
tools:
	@bash scripts/install-test-tools.sh

clean:
	$(MVN) -q clean
