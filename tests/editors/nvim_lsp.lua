-- Neovim's built-in LSP client against `looplint server` (run by test_editor_nvim.py):
-- open the fixture project's file, wait for diagnostics, edit the buffer until a finding
-- goes, apply a code action, and write what happened to OUT as JSON.
local bin, root, file, out = os.getenv("LOOPLINT_BIN"), os.getenv("WS_ROOT"), os.getenv("WS_FILE"), os.getenv("WS_OUT")
local result = { steps = {} }
local function save()
  local f = io.open(out, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
end
local function codes(bufnr)
  local cs = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(cs, { code = d.code, lnum = d.lnum, col = d.col })
  end
  table.sort(cs, function(a, b) return a.lnum < b.lnum or (a.lnum == b.lnum and a.code < b.code) end)
  return cs
end
local function wait_for(pred) -- a hang guard only
  return vim.wait(60000, pred, 20)
end

vim.cmd("edit " .. file)
local bufnr = vim.api.nvim_get_current_buf()
local client_id = vim.lsp.start_client({
  name = "looplint",
  cmd = { bin, "server" },
  root_dir = root,
})
vim.lsp.buf_attach_client(bufnr, client_id)
result.attached = wait_for(function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c ~= nil and c.initialized
end)
result.steps.open = wait_for(function() return #vim.diagnostic.get(bufnr) >= 2 end)
result.open = codes(bufnr)

-- delete the line with the direct sleep (line 7): its LOOP101 must go, LOOP110 stay
vim.api.nvim_buf_set_lines(bufnr, 6, 7, false, {})
result.steps.edit = wait_for(function()
  local cs = codes(bufnr)
  return #cs == 1 and cs[1].code == "LOOP110"
end)
result.edited = codes(bufnr)

-- the noqa code action on the LOOP110 line, applied to the buffer
local d = vim.diagnostic.get(bufnr)[1]
local params = {
  textDocument = { uri = vim.uri_from_bufnr(bufnr) },
  range = { start = { line = d.lnum, character = d.col }, ["end"] = { line = d.end_lnum, character = d.end_col } },
  context = { diagnostics = vim.lsp.diagnostic.get_line_diagnostics(bufnr, d.lnum) },
}
local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, 30000) or {}
result.actions = {}
for _, resp in pairs(responses) do
  for _, action in ipairs(resp.result or {}) do
    table.insert(result.actions, action.title)
    if action.title:find("noqa: LOOP110", 1, true) then
      vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
    end
  end
end
result.text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n")
result.steps.suppressed = wait_for(function() return #vim.diagnostic.get(bufnr) == 0 end)
vim.lsp.stop_client(client_id)
wait_for(function() return vim.lsp.get_client_by_id(client_id) == nil end)
save()
vim.cmd("qa!")
