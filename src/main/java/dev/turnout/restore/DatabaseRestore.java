package dev.turnout.restore;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Restores one backup archive into a MongoDB. */
@Group("turnout.dev")
@Version("v1alpha1")
@ShortNames("dbr")
@Categories("turnout")
@AdditionalPrinterColumn(name = "OBJECT", jsonPath = ".status.object", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "PHASE", jsonPath = ".status.phase", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
// the API server refuses the objects named after it otherwise (NameLimits.MAX_RESTORE_NAME)
@ValidationRule(value = "size(self.metadata.name) <= 55", message = "metadata.name may have at most 55 characters: its Job <name>-restore names its pods' job-name label, at most 63")
public class DatabaseRestore extends CustomResource<DatabaseRestoreSpec, DatabaseRestoreStatus> implements Namespaced {}
