-- Argo CD health of a turnout.dev HealthPolicy, from the status the operator writes (docs/gitops.md has the mapping).
-- Uses only Lua's base and table libraries: Argo CD opens no string library for checks set in argocd-cm.
local hs = {}
local s = obj.status
if s == nil or s.observedGeneration == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator's first status"
  return hs
end
if obj.metadata.generation ~= nil and s.observedGeneration < obj.metadata.generation then
  hs.status = "Progressing"
  hs.message = "the operator has not acted on the latest spec yet"
  return hs
end
local ready = nil
local gate = nil
if s.conditions ~= nil then
  for _, c in ipairs(s.conditions) do
    if c.type == "Ready" then
      ready = c
    elseif c.type == "ReadinessGate" then
      gate = c
    end
  end
end
if ready == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to validate the policy"
  return hs
end
if ready.status ~= "True" then
  hs.status = "Degraded"
  hs.message = ready.message or "invalid"
  return hs
end
if gate ~= nil and gate.status == "False" then
  -- spec.readinessGate is set but ignored: what git asks for is not in effect
  hs.status = "Degraded"
  hs.message = "readinessGate ignored: " .. (gate.message or "")
  return hs
end
-- failing checks are the releases' story (their AppRelease is Failed or RolledBack); the policy itself is healthy
hs.status = "Healthy"
hs.message = ready.message or ""
if s.releases ~= nil then
  for _, r in ipairs(s.releases) do
    if r.gate == "Closed" then
      hs.message = hs.message .. "; gate closed for " .. (r.release or "?") .. " on Service " .. (r.service or "?")
    end
  end
end
return hs
