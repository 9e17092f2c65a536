-- wrk script: POST new cases to /api/v1/cases, each a little different.
-- Usage: see Benchmarks/http-create.sh
local token = os.getenv("MINSHENG_TOKEN") or "missing-token"
local titles = {"小区门口路灯不亮", "夜间施工噪音扰民", "快递代收点违规收费", "工地拖欠农民工工资", "燃气费计费异常"}
local n = 0
request = function()
  n = n + 1
  local t = titles[(n % #titles) + 1]
  local body = string.format('{"channel":"phone","kind":"complaint","title":"%s %d","content":"%s。请有关部门尽快处理，谢谢。编号 %d","citizen":{"name":"王先生","phone":"138%08d"},"category":"城乡建设"}', t, n, t, n, n)
  return wrk.format("POST", "/api/v1/cases", {["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. token}, body)
end

local errors = 0
response = function(status, headers, body)
  if status ~= 201 then errors = errors + 1 end
end

done = function(summary, latency, requests)
  io.write(string.format("non-201 responses: %d\n", errors))
  io.write(string.format("latency p50 %.2f ms, p99 %.2f ms\n", latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
