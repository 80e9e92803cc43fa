-- Argo CD health of a turnout.dev DatabaseRestore, from the status the operator writes (docs/gitops.md has the mapping).
-- Uses only Lua's base and table libraries: Argo CD opens no string library for checks set in argocd-cm.
local hs = {}
local s = obj.status
if s == nil or s.phase == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator's first status"
  return hs
end
local message = s.message or ""
if s.phase == "Succeeded" then
  hs.status = "Healthy"
elseif s.phase == "Failed" then
  hs.status = "Degraded"
  if s.targetUnchanged == true then
    message = message .. " (the target is as it was)"
  end
elseif s.phase == "Running" then
  hs.status = "Progressing"
elseif s.phase == "Pending" then
  -- invalid spec or references need a person; otherwise it waits for a backup to restore or for storage
  hs.status = "Progressing"
  if s.conditions ~= nil then
    for _, c in ipairs(s.conditions) do
      if c.type == "Ready" and c.status == "False" then
        hs.status = "Degraded"
      end
    end
  end
else
  hs.status = "Unknown"
  message = "unknown phase " .. s.phase .. ": " .. message
end
-- a finished restore never runs again, so a later spec change is not "progress": report what was done
if s.phase ~= "Succeeded" and s.phase ~= "Failed" and obj.metadata.generation ~= nil
    and (s.observedGeneration == nil or s.observedGeneration < obj.metadata.generation) then
  hs.status = "Progressing"
  message = "the operator has not acted on the latest spec yet"
end
hs.message = s.phase .. ": " .. message
return hs
