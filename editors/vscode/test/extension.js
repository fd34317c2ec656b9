// Drives extension.js with stand-ins for the `vscode` API and vscode-languageclient (neither
// runs outside VS Code) and checks what it asks for: `<avtale.server.path> lsp` over stdio for
// .avt files, a readable warning when the server cannot start, nothing when it is disabled.
// Run: npm test (from editors/vscode).
"use strict";

const assert = require("assert");
const Module = require("module");
const path = require("path");

function load(settings, startFails) {
  const seen = { clients: [], warnings: [] };
  const vscode = {
    workspace: {
      getConfiguration: (section) => {
        assert.strictEqual(section, "avtale");
        return { get: (key, fallback) => (key in settings ? settings[key] : fallback) };
      },
      createFileSystemWatcher: (glob) => ({ glob, dispose() {} }),
      onDidChangeConfiguration: () => ({ dispose() {} }),
    },
    window: {
      showWarningMessage: (text) => seen.warnings.push(text),
      showInformationMessage: () => {},
    },
  };
  class LanguageClient {
    constructor(id, name, serverOptions, clientOptions) {
      Object.assign(this, { id, name, serverOptions, clientOptions });
      seen.clients.push(this);
    }
    async start() {
      if (startFails) throw new Error("spawn avtale ENOENT");
    }
    async stop() {}
  }
  const stubs = { vscode, "vscode-languageclient/node": { LanguageClient, TransportKind: { stdio: 0 } } };
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return request in stubs ? request : resolve.call(this, request, ...rest);
  };
  for (const [name, exports] of Object.entries(stubs)) require.cache[name] = { id: name, filename: name, loaded: true, exports };
  const file = path.join(__dirname, "..", "extension.js");
  delete require.cache[file];
  const extension = require(file);
  Module._resolveFilename = resolve;
  return { extension, seen };
}

async function main() {
  {
    const { extension, seen } = load({ "server.path": "/opt/avtale/.venv/bin/avtale" }, false);
    const context = { subscriptions: [] };
    await extension.activate(context);
    assert.strictEqual(seen.clients.length, 1);
    const [client] = seen.clients;
    assert.deepStrictEqual(client.serverOptions.run, { command: "/opt/avtale/.venv/bin/avtale", args: ["lsp"], transport: 0 });
    assert.deepStrictEqual(client.clientOptions.documentSelector, [{ scheme: "file", language: "avt" }]);
    assert.strictEqual(client.clientOptions.synchronize.fileEvents.glob, "**/{avtale.toml,*.avt}");
    assert.deepStrictEqual(seen.warnings, []);
    await extension.deactivate();
  }
  {
    const { extension, seen } = load({}, true);
    await extension.activate({ subscriptions: [] });
    assert.strictEqual(seen.clients[0].serverOptions.run.command, "avtale");
    assert.strictEqual(seen.warnings.length, 1);
    assert.match(seen.warnings[0], /could not start `avtale lsp` \(spawn avtale ENOENT\)\. Highlighting still works/);
    await extension.deactivate(); // no client left to stop
  }
  {
    const { extension, seen } = load({ "server.enabled": false }, false);
    await extension.activate({ subscriptions: [] });
    assert.strictEqual(seen.clients.length, 0);
  }
  console.log("extension.js: 3 cases passed");
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
