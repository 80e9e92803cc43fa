package dev.turnout.healthpolicy;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Readiness gates that a release must pass before and after its traffic switch. */
@Group("turnout.dev")
@Version("v1alpha1")
@ShortNames("hp")
@Categories("turnout")
@AdditionalPrinterColumn(name = "CHECKS", jsonPath = ".spec.checks[*].name", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class HealthPolicy extends CustomResource<HealthPolicySpec, HealthPolicyStatus> implements Namespaced {}
