package dev.turnout.apprelease;


import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** A blue-green release of one application. */
@Group("turnout.dev")
@Version("v1alpha1")
@ShortNames("ar")
@Categories("turnout")
@AdditionalPrinterColumn(name = "VERSION", jsonPath = ".spec.version", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "ACTIVE", jsonPath = ".status.activeColor", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "PREVIEW", jsonPath = ".status.previewColor", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "REVISION", jsonPath = ".status.currentRevision", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
@ValidationRule(
    value =
        "(has(self.spec.service.activeName) ? self.spec.service.activeName : self.metadata.name)"
            + " != (has(self.spec.service.previewName) ? self.spec.service.previewName : self.metadata.name + '-preview')",
    message = "spec.service.activeName and spec.service.previewName must name different Services")
public class AppRelease extends CustomResource<AppReleaseSpec, AppReleaseStatus> implements Namespaced {

  /** Name of the Service that carries live traffic. */
  public String activeServiceName() {
    String n = getSpec() == null || getSpec().service == null ? null : getSpec().service.activeName;
    return n == null || n.isBlank() ? getMetadata().getName() : n;
  }

  /** Name of the Service that points at the color under test. */
  public String previewServiceName() {
    String n = getSpec() == null || getSpec().service == null ? null : getSpec().service.previewName;
    return n == null || n.isBlank() ? getMetadata().getName() + "-preview" : n;
  }

  public String deploymentName(Color color) {
    return getMetadata().getName() + "-" + color.label();
  }
}
