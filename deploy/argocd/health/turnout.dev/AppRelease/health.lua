-- Argo CD health of a turnout.dev AppRelease, from the status the operator writes (docs/gitops.md has the mapping).
-- Uses only Lua's base and table libraries: Argo CD opens no string library for checks set in argocd-cm.
local hs = {}
local s = obj.status
if s == nil or s.phase == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator's first status"
  return hs
end
if s.observedGeneration == nil or (obj.metadata.generation ~= nil and s.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  hs.message = "the operator has not acted on the latest spec yet"
  return hs
end
local message = s.message or ""
local degraded = nil
if s.conditions ~= nil then
  for _, c in ipairs(s.conditions) do
    if c.type == "Degraded" and c.status == "True" then
      degraded = c
    end
  end
end
if s.phase == "Healthy" then
  hs.status = "Healthy"
elseif s.phase == "Progressing" then
  hs.status = "Progressing"
elseif s.phase == "AwaitingPromotion" then
  -- every gate passed and a person has to promote (turnout.dev/promote): waiting on a person, as Argo CD shows a
  -- paused Argo Rollouts Rollout; Progressing would say the operator is still at work
  hs.status = "Suspended"
elseif s.phase == "Paused" then
  hs.status = "Suspended"
  if message == "" then
    message = "spec.paused is true"
  end
elseif s.phase == "RolledBack" or s.phase == "Failed" or s.phase == "Degraded" then
  -- RolledBack and Failed: the version in git does not serve (the previous one does) until the spec changes
  hs.status = "Degraded"
elseif s.phase == "Pending" then
  -- blocked (missing Secret/ConfigMap, ownership conflict) needs a person; otherwise nothing has started yet
  if degraded ~= nil then
    hs.status = "Degraded"
    if degraded.message ~= nil and degraded.message ~= "" then
      message = degraded.message
    end
  else
    hs.status = "Progressing"
  end
else
  hs.status = "Unknown"
  message = "unknown phase " .. s.phase .. ": " .. message
end
hs.message = s.phase .. ": " .. message
return hs
