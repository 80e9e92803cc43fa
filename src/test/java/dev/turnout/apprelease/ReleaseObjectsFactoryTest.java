package dev.turnout.apprelease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.turnout.common.Labels;
import dev.turnout.testing.Releases;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.batch.v1.JobTemplateSpecBuilder;
import org.junit.jupiter.api.Test;

/** The desired objects of a release, built without an API server. */
class ReleaseObjectsFactoryTest {
  AppRelease release() {
    AppRelease ar = Releases.backend("shop", "1.2.0", 3);
    ar.getMetadata().setUid("uid-1");
    return ar;
  }

  @Test
  void aColorsDeploymentSelectsItsColorAndCarriesTheRevisionAndConfigChecksum() {
    Deployment d = ReleaseObjectsFactory.deployment(release(), Color.green, 7, "hash7", "cfg", 3);
    assertThat(d.getMetadata().getName()).isEqualTo("backend-green");
    assertThat(d.getMetadata().getOwnerReferences()).singleElement().satisfies(o -> {
      assertThat(o.getUid()).isEqualTo("uid-1");
      assertThat(o.getController()).isTrue();
    });
    assertThat(d.getSpec().getSelector().getMatchLabels())
        .containsExactlyInAnyOrderEntriesOf(java.util.Map.of(Labels.INSTANCE, "backend", Labels.COLOR, "green"));
    assertThat(d.getSpec().getTemplate().getMetadata().getLabels())
        .containsEntry("app", "backend").containsEntry(Labels.COLOR, "green").containsEntry(Labels.REVISION, "7");
    assertThat(d.getSpec().getTemplate().getMetadata().getAnnotations()).containsEntry(Labels.CONFIG_CHECKSUM, "cfg");
    assertThat(d.getMetadata().getAnnotations()).containsEntry(Labels.REVISION_HASH, "hash7");
    assertThat(d.getSpec().getReplicas()).isEqualTo(3);
    // the user's template is not modified
    assertThat(release().getSpec().template.getMetadata().getLabels()).doesNotContainKey(Labels.COLOR);
  }

  @Test
  void aDeploymentRebuiltFromItsRecordedPodTemplateIsTheOneFirstWrittenAndItsHashIgnoresMapOrder() {
    AppRelease ar = release();
    var template = ReleaseObjectsFactory.podTemplate(ar, Color.blue, 1, null, null);
    assertThat(template.getMetadata().getAnnotations()).as("no empty map to claim when applied").isNull();
    var recorded = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
        io.fabric8.kubernetes.client.utils.Serialization.asJson(template), io.fabric8.kubernetes.api.model.PodTemplateSpec.class);
    Deployment fromSpec = ReleaseObjectsFactory.deployment(ar, Color.blue, 1, "h1", null, 3);
    Deployment fromRecord = ReleaseObjectsFactory.deployment(ar, Color.blue, recorded, "h1", 3);
    assertThat(OwnedWrites.canonicalHash(fromRecord)).isEqualTo(OwnedWrites.canonicalHash(fromSpec));
    assertThat(fromRecord.getMetadata().getLabels()).containsEntry(Labels.REVISION, "1");
    Deployment scaled = ReleaseObjectsFactory.deployment(ar, Color.blue, recorded, "h1", 5);
    assertThat(OwnedWrites.canonicalHash(scaled)).as("spec.replicas is Turnout's, part of what it applies")
        .isNotEqualTo(OwnedWrites.canonicalHash(fromSpec));
  }

  @Test
  void servicesLeaveWhatTheApiServerAssignsToIt() {
    var desired = ReleaseObjectsFactory.service(release(), "backend", Color.blue, "active");
    // applied with server-side apply, a field set here is Turnout's: clusterIP and type are not
    assertThat(desired.getSpec().getClusterIP()).isNull();
    assertThat(desired.getSpec().getType()).isNull();
    assertThat(desired.getSpec().getSelector()).containsEntry(Labels.COLOR, "blue");
    assertThat(desired.getMetadata().getLabels()).containsEntry(Labels.MANAGED_BY, "turnout").containsEntry(Labels.RELEASE, "backend");
  }

  @Test
  void hookJobsRunOnceWithTheContextOfTheColorUnderTest() {
    HookSpec hook = new HookSpec();
    hook.name = "migrate";
    hook.template = new JobTemplateSpecBuilder().withNewSpec().withBackoffLimit(0).withNewTemplate().withNewSpec()
        .addNewContainer().withName("m").withImage("app:1.2.0").addNewEnv().withName("KEEP").withValue("me").endEnv().endContainer()
        .endSpec().endTemplate().endSpec().build();
    String name = ReleaseObjectsFactory.hookJobName(release(), hook, 4);
    assertThat(name).isEqualTo("backend-migrate-r4");
    var job = ReleaseObjectsFactory.hookJob(release(), hook, name, Color.green, 4);
    assertThat(job.getMetadata().getLabels()).containsEntry("turnout.dev/hook", "migrate").containsEntry(Labels.REVISION, "4");
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .extracting(e -> e.getName() + "=" + e.getValue())
        .containsExactly("KEEP=me", "TURNOUT_PREVIEW_SERVICE=backend-preview.shop.svc", "TURNOUT_REVISION=4",
            "TURNOUT_VERSION=1.2.0", "TURNOUT_COLOR=green");
    assertThat(hook.template.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()).as("template untouched").hasSize(1);

    HookSpec longHook = new HookSpec();
    longHook.name = "a-very-long-hook-name-that-goes-on-and-on-and-on";
    String longName = ReleaseObjectsFactory.hookJobName(release(), longHook, 12345);
    assertThat(longName).hasSizeLessThanOrEqualTo(63).startsWith("backend-a-very-long");
  }
}
