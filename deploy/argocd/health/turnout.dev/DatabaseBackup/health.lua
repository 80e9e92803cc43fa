-- Argo CD health of a turnout.dev DatabaseBackup, from the status the operator writes (docs/gitops.md has the mapping).
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
local cond = {}
if s.conditions ~= nil then
  for _, c in ipairs(s.conditions) do
    cond[c.type] = c
  end
end
local function says(c)
  return (c.reason or "") .. ": " .. (c.message or "")
end
if cond.Ready == nil then
  hs.status = "Progressing"
  hs.message = "waiting for the operator to validate the spec"
  return hs
end
if cond.Ready.status ~= "True" then
  hs.status = "Degraded"
  hs.message = says(cond.Ready)
  return hs
end
if cond.StorageReachable ~= nil and cond.StorageReachable.status == "False" then
  hs.status = "Degraded"
  hs.message = says(cond.StorageReachable)
  return hs
end
if cond.LastBackupSucceeded ~= nil and cond.LastBackupSucceeded.status == "False" then
  hs.status = "Degraded"
  hs.message = says(cond.LastBackupSucceeded)
  return hs
end
if cond.Verified ~= nil and cond.Verified.status == "False" then
  hs.status = "Degraded"
  hs.message = says(cond.Verified)
  return hs
end
if obj.spec ~= nil and obj.spec.suspend == true then
  -- as Argo CD shows a suspended CronJob: scheduled backups stop, on-demand ones still run
  hs.status = "Suspended"
  hs.message = "spec.suspend is true: no scheduled backups"
  return hs
end
if cond.Verified ~= nil and cond.Verified.reason == "VerificationPending" then
  hs.status = "Progressing"
  hs.message = says(cond.Verified)
  return hs
end
-- no backup yet is healthy: the schedule may be a day away, and a sync must not wait for it
hs.status = "Healthy"
if s.lastSuccessfulBackup ~= nil and s.lastSuccessfulBackup.object ~= nil then
  hs.message = "last backup " .. s.lastSuccessfulBackup.object .. " at " .. (s.lastSuccessTime or "?")
else
  hs.message = "no backup yet; " .. (cond.Ready.message or "")
end
return hs
