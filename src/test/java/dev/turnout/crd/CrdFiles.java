package dev.turnout.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.turnout.apprelease.AppRelease;
import dev.turnout.backup.DatabaseBackup;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.restore.DatabaseRestore;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.crdv2.generator.CRDGenerator;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.CustomResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Generates the committed CRDs (crds/) from the Java types with fabric8's CRD generator, and post-processes them:
 *
 * <ul>
 *   <li>additionalPrinterColumns in the order of the {@link AdditionalPrinterColumn} annotations on the class (the
 *       generator scrambles them; api.md fixes the order);
 *   <li>descriptions for the fields of embedded Kubernetes types (ServicePort, Condition, ResourceRequirements) and
 *       for spec/status, which the generator cannot take from annotations, so that kubectl explain documents every
 *       field. Our own types must carry their descriptions in the Java code: they are never filled in here;
 *   <li>stable YAML: schema keys sorted, long lines not folded, a header saying how to regenerate.
 * </ul>
 */
public final class CrdFiles {
  /** The custom resource classes whose CRDs are committed. */
  public static final List<Class<? extends CustomResource<?, ?>>> RESOURCES =
      List.of(AppRelease.class, HealthPolicy.class, DatabaseBackup.class, DatabaseRestore.class);

  public static final String REGENERATE =
      "make crds  (or: mvn -B -q test -Dtest=CrdsUpToDateTest -Dturnout.crds.write=true)";

  static final String HEADER =
      "# Generated from the Java types in src/main/java/dev/turnout by src/test/java/dev/turnout/crd/CrdFiles.java.\n"
          + "# Do not edit. Regenerate with: "
          + REGENERATE
          + "\n";

  private static final ObjectMapper YAML =
      new ObjectMapper(
              YAMLFactory.builder()
                  .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                  .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                  .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
                  .disable(YAMLGenerator.Feature.SPLIT_LINES)
                  .build())
          .enable(SerializationFeature.INDENT_OUTPUT);

  /** Descriptions of the fields of Kubernetes types embedded in our schemas, keyed by the type's property names. */
  private static final Map<String, Map<String, String>> EMBEDDED_DESCRIPTIONS = new LinkedHashMap<>();

  static {
    EMBEDDED_DESCRIPTIONS.put(
        "appProtocol,name,nodePort,port,protocol,targetPort",
        Map.of(
            "appProtocol",
                "Application protocol of this port, a hint for implementations: an IANA service name or a"
                    + " domain-prefixed name such as mycompany.com/my-protocol.",
            "name",
                "Name of this port within the Service (a DNS label, unique among the ports). Required when there is"
                    + " more than one port; health checks refer to ports by this name.",
            "nodePort", "Port on each node when the Service is of type NodePort or LoadBalancer; usually allocated by"
                + " the system.",
            "port", "Port the Service exposes.",
            "protocol", "IP protocol of this port: TCP, UDP or SCTP. Default: TCP.",
            "targetPort",
                "Number or name of the port on the pods; a name is looked up in the pod template's container ports."
                    + " Default: port."));
    EMBEDDED_DESCRIPTIONS.put(
        "lastTransitionTime,message,observedGeneration,reason,status,type",
        Map.of(
            "lastTransitionTime", "Last time the condition changed from one status to another.",
            "message", "Human-readable details about the last transition; may be empty.",
            "observedGeneration", "metadata.generation the condition was set from.",
            "reason", "Programmatic identifier (CamelCase) of the reason for the last transition.",
            "status", "Status of the condition: True, False or Unknown.",
            "type", "Type of the condition, in CamelCase."));
    EMBEDDED_DESCRIPTIONS.put(
        "claims,limits,requests",
        Map.of(
            "claims",
                "Names of resource claims (pod spec.resourceClaims) this container uses (dynamic resource"
                    + " allocation).",
            "limits", "Maximum amount of compute resources allowed, e.g. cpu: 500m, memory: 512Mi.",
            "requests",
                "Minimum amount of compute resources required; defaults to limits where a limit is set."));
    EMBEDDED_DESCRIPTIONS.put(
        "name,request",
        Map.of(
            "name", "Name of an entry in the pod's spec.resourceClaims.",
            "request", "Name of a request in the referenced claim; empty: the whole claim."));
  }

  private CrdFiles() {}

  /** The directory of the committed CRDs. */
  public static Path dir() {
    return Paths.get(System.getProperty("turnout.crds.dir", "crds")).toAbsolutePath();
  }

  /** File name (e.g. appreleases.turnout.dev.yaml) to the file's content, as generated from the code now. */
  public static Map<String, String> generate() {
    Map<String, String> files = new TreeMap<>();
    for (Class<? extends CustomResource<?, ?>> type : RESOURCES) {
      ObjectNode crd = generateRaw(type);
      postProcess(crd, type);
      String name = crd.path("metadata").path("name").asText() + ".yaml";
      files.put(name, render(crd));
    }
    return files;
  }

  /** The committed CRD files, parsed, keyed by file name. */
  public static Map<String, JsonNode> loadCommitted() {
    Map<String, JsonNode> crds = new TreeMap<>();
    try (Stream<Path> files = Files.list(dir())) {
      for (Path p : (Iterable<Path>) files.sorted()::iterator) {
        if (p.getFileName().toString().endsWith(".yaml")) {
          crds.put(p.getFileName().toString(), YAML.readTree(p.toFile()));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return crds;
  }

  static ObjectMapper yaml() {
    return YAML;
  }

  private static ObjectNode generateRaw(Class<? extends HasMetadata> type) {
    Map<String, ByteArrayOutputStream> out = new LinkedHashMap<>();
    new CRDGenerator()
        .customResourceClasses(List.of(type))
        .forCRDVersions("v1")
        .withParallelGenerationEnabled(false)
        .withOutput(
            new CRDGenerator.AbstractCRDOutput<ByteArrayOutputStream>() {
              @Override
              protected ByteArrayOutputStream createStreamFor(String crdName) {
                return out.computeIfAbsent(crdName, n -> new ByteArrayOutputStream());
              }
            })
        .detailedGenerate();
    if (out.size() != 1) {
      throw new IllegalStateException("expected one CRD for " + type.getName() + ", got " + out.keySet());
    }
    try {
      return (ObjectNode) YAML.readTree(out.values().iterator().next().toString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void postProcess(ObjectNode crd, Class<?> type) {
    String kind = crd.path("spec").path("names").path("kind").asText();
    for (JsonNode version : crd.path("spec").path("versions")) {
      orderPrinterColumns((ObjectNode) version, type);
      ObjectNode schema = (ObjectNode) version.path("schema").path("openAPIV3Schema");
      ObjectNode props = (ObjectNode) schema.path("properties");
      describeIfMissing(props.path("spec"), "Desired state of the " + kind + ", written by its user (the operator never writes it).");
      describeIfMissing(props.path("status"), "Observed state of the " + kind + ", written by the operator.");
      if (!schema.has("description")) {
        schema.put("description", javadocSummary(kind));
      }
      describeEmbedded(schema);
      ((ObjectNode) version.path("schema")).set("openAPIV3Schema", sortKeys(schema));
    }
  }

  private static String javadocSummary(String kind) {
    return switch (kind) {
      case "AppRelease" -> "A blue-green release of one application.";
      case "HealthPolicy" -> "Readiness gates that a release must pass before and after its traffic switch.";
      case "DatabaseBackup" -> "Scheduled mongodump backups to S3-compatible object storage.";
      case "DatabaseRestore" -> "Restores one backup archive into a MongoDB.";
      default -> kind + ".";
    };
  }

  private static void orderPrinterColumns(ObjectNode version, Class<?> type) {
    JsonNode columns = version.get("additionalPrinterColumns");
    if (columns == null || !columns.isArray()) {
      return;
    }
    List<String> order = new ArrayList<>();
    for (AdditionalPrinterColumn a : type.getAnnotationsByType(AdditionalPrinterColumn.class)) {
      order.add(a.name());
    }
    List<JsonNode> sorted = new ArrayList<>();
    columns.forEach(sorted::add);
    sorted.sort(
        (a, b) -> {
          int ia = order.indexOf(a.path("name").asText());
          int ib = order.indexOf(b.path("name").asText());
          return Integer.compare(ia < 0 ? Integer.MAX_VALUE : ia, ib < 0 ? Integer.MAX_VALUE : ib);
        });
    ArrayNode result = version.arrayNode();
    sorted.forEach(result::add);
    version.set("additionalPrinterColumns", result);
  }

  private static void describeIfMissing(JsonNode node, String description) {
    if (node instanceof ObjectNode o && o.path("description").asText("").isBlank()) {
      o.put("description", description);
    }
  }

  private static void describeEmbedded(JsonNode schema) {
    if (!schema.isObject()) {
      return;
    }
    JsonNode props = schema.get("properties");
    if (props != null && props.isObject()) {
      Map<String, String> known = EMBEDDED_DESCRIPTIONS.get(String.join(",", new TreeSet<>(fieldNames(props))));
      for (Iterator<Map.Entry<String, JsonNode>> it = props.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (known != null && known.containsKey(e.getKey())) {
          describeIfMissing(e.getValue(), known.get(e.getKey()));
        }
        describeEmbedded(e.getValue());
      }
    }
    for (String child : List.of("items", "additionalProperties")) {
      if (schema.get(child) != null) {
        describeEmbedded(schema.get(child));
      }
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  /** A copy with the keys of every object sorted, so the output does not depend on reflection order. */
  private static JsonNode sortKeys(JsonNode node) {
    if (node.isObject()) {
      ObjectNode sorted = YAML.createObjectNode();
      new TreeSet<>(fieldNames(node)).forEach(k -> sorted.set(k, sortKeys(node.get(k))));
      return sorted;
    }
    if (node.isArray()) {
      ArrayNode arr = YAML.createArrayNode();
      node.forEach(n -> arr.add(sortKeys(n)));
      return arr;
    }
    return node;
  }

  static String render(JsonNode crd) {
    try {
      String yaml = HEADER + YAML.writeValueAsString(crd);
      JsonNode back = YAML.readTree(yaml);
      if (!back.equals(crd)) {
        throw new IllegalStateException("YAML of " + crd.path("metadata").path("name") + " does not read back equal");
      }
      return yaml;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
