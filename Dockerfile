# syntax=docker/dockerfile:1
# The Turnout image: the operator (entrypoint) and the backup agent (the Jobs' command), with the MongoDB database
# tools the agent runs (mongodump, mongorestore) and mongod for verify.mode RestoreTest and restore drills.
#
#   docker build -t ghcr.io/turnout-dev/turnout-operator:0.1.0 .
#
# Base images are pinned by digest (the tag is for people; the digest makes the build repeatable). To move to a newer
# base, replace both with what `crane digest <image>:<tag>` prints. The MongoDB packages are pinned by version and come
# from MongoDB's signed apt repository. ImageEntrypointsIT checks that the paths below exist in the build output and
# that both entrypoints start from it.

FROM maven:3.9.9-eclipse-temurin-17@sha256:f58d59b6273e785ac0a4477f6e9b5ba1d7731c75b906c0f7b34076f1851318cc AS build
WORKDIR /build
COPY pom.xml ./
RUN mvn -B -q dependency:go-offline
COPY src/main src/main
RUN mvn -B -q package -Dmaven.test.skip=true -Djacoco.skip=true

FROM eclipse-temurin:17-jre-jammy@sha256:475d8e96b4b2bfe08999e5e854755c773af1581acdf959a4545d88f0696a2339
ARG MONGODB_SERIES=7.0
ARG MONGODB_SERVER_VERSION=7.0.14
ARG MONGODB_TOOLS_VERSION=100.10.0
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl gnupg \
 && curl -fsSL "https://pgp.mongodb.com/server-${MONGODB_SERIES}.asc" | gpg --dearmor -o /usr/share/keyrings/mongodb.gpg \
 && echo "deb [signed-by=/usr/share/keyrings/mongodb.gpg] https://repo.mongodb.org/apt/ubuntu jammy/mongodb-org/${MONGODB_SERIES} multiverse" \
      > /etc/apt/sources.list.d/mongodb-org.list \
 && apt-get update \
 && apt-get install -y --no-install-recommends \
      "mongodb-database-tools=${MONGODB_TOOLS_VERSION}" "mongodb-org-server=${MONGODB_SERVER_VERSION}" \
 && apt-get purge -y curl gnupg && apt-get autoremove -y && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --gid 0 --no-create-home --home-dir /deployments --shell /usr/sbin/nologin turnout
# the Quarkus fast-jar layout: /deployments/quarkus-run.jar (operator), /deployments/app and /deployments/lib/main
# (the agent's classpath in the Job templates: java -cp '/deployments/app/*:/deployments/lib/main/*' ...AgentMain)
COPY --from=build --chown=10001:0 /build/target/quarkus-app/ /deployments/
WORKDIR /deployments
# numeric, so that runAsNonRoot can check it; the chart also sets readOnlyRootFilesystem (writes go to /tmp, a volume)
USER 10001
ENV JAVA_TOOL_OPTIONS="-XX:MaxRAMPercentage=75"
EXPOSE 8080
ENTRYPOINT ["java", "-jar", "/deployments/quarkus-run.jar"]
