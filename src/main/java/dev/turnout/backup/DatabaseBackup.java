package dev.turnout.backup;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** Scheduled mongodump backups to S3-compatible object storage. */
@Group("turnout.dev")
@Version("v1alpha1")
@ShortNames("dbb")
@Categories("turnout")
@AdditionalPrinterColumn(name = "SCHEDULE", jsonPath = ".spec.schedule", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "LAST-SUCCESS", jsonPath = ".status.lastSuccessTime", type = AdditionalPrinterColumn.Type.DATE)
@AdditionalPrinterColumn(name = "SIZE", jsonPath = ".status.lastSuccessSize", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "READY", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "AGE", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
// the API server refuses the objects named after it otherwise (NameLimits.MAX_BACKUP_NAME)
@ValidationRule(value = "size(self.metadata.name) <= 45", message = "metadata.name may have at most 45 characters: its CronJob <name>-backup may have at most 52")
public class DatabaseBackup extends CustomResource<DatabaseBackupSpec, DatabaseBackupStatus> implements Namespaced {}
