package dev.turnout.testing;

import dev.turnout.healthpolicy.CheckSpec;
import dev.turnout.healthpolicy.HealthPolicy;
import dev.turnout.healthpolicy.HealthPolicySpec;
import dev.turnout.sim.FastApiBackend;
import io.fabric8.kubernetes.api.model.IntOrString;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The sample backend's HealthPolicy, shared by the embedded lifecycle tests, the real tier and the benchmarks. */
public final class HealthPolicies {
  public static final String NAME = "backend-health";

  private HealthPolicies() {}

  /**
   * The FastAPI backend's deep check: GET /api/v1/health with the frontend's Origin must answer 200, the CORS header
   * for that origin and "database": "healthy"; every second, thresholds 2, checked before the switch and watched for
   * 300 s after it with automatic revert. {@code change} adjusts the spec.
   */
  public static HealthPolicy backendHealth(String ns, String origin, Consumer<HealthPolicySpec> change) {
    CheckSpec api = new CheckSpec();
    api.name = "api";
    api.timeoutSeconds = 3;
    api.http = new CheckSpec.HttpCheck();
    api.http.path = FastApiBackend.HEALTH_PATH;
    api.http.port = new IntOrString("http");
    CheckSpec.Header originHeader = new CheckSpec.Header();
    originHeader.name = "Origin";
    originHeader.value = origin;
    api.http.headers = List.of(originHeader);
    api.http.expectStatus = List.of(200);
    CheckSpec.Header cors = new CheckSpec.Header();
    cors.name = "Access-Control-Allow-Origin";
    cors.value = origin;
    api.http.expectHeaders = List.of(cors);
    CheckSpec.JsonAssertion db = new CheckSpec.JsonAssertion();
    db.path = "$.database";
    db.equals = "healthy";
    api.http.expectJson = List.of(db);
    HealthPolicySpec spec = new HealthPolicySpec();
    spec.checks = new ArrayList<>(List.of(api));
    spec.intervalSeconds = 1;
    spec.successThreshold = 2;
    spec.failureThreshold = 2;
    spec.prePromotion = new HealthPolicySpec.PrePromotionSpec();
    spec.prePromotion.enabled = true;
    spec.postPromotion = new HealthPolicySpec.PostPromotionSpec();
    spec.postPromotion.windowSeconds = 300;
    spec.postPromotion.revertOnFailure = true;
    change.accept(spec);
    HealthPolicy p = new HealthPolicy();
    p.getMetadata().setName(NAME);
    p.getMetadata().setNamespace(ns);
    p.setSpec(spec);
    return p;
  }
}
