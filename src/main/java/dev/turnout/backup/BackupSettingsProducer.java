package dev.turnout.backup;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The image and service account of backup and restore Jobs (Helm sets TURNOUT_BACKUP_IMAGE). */
@ApplicationScoped
public class BackupSettingsProducer {
  @ConfigProperty(name = "turnout.backup.image", defaultValue = "ghcr.io/turnout-dev/turnout-operator:latest")
  String image;

  @ConfigProperty(name = "turnout.backup.service-account")
  Optional<String> serviceAccount;

  @Produces
  @jakarta.inject.Singleton
  BackupJobFactory.Settings settings() {
    return new BackupJobFactory.Settings(image, serviceAccount.filter(s -> !s.isBlank()).orElse(null));
  }
}
