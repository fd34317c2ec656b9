// Starts `avtale lsp` over stdio for .avt files. Highlighting comes from the TextMate
// grammar in syntaxes/ and works whether or not the server starts.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

/** The command and arguments that run the server, from the `avtale.server.path` setting. */
function serverCommand(config) {
  const command = (config.get("server.path") || "avtale").trim() || "avtale";
  return { command, args: ["lsp"], transport: TransportKind.stdio };
}

async function activate(context) {
  const config = vscode.workspace.getConfiguration("avtale");
  if (!config.get("server.enabled", true)) {
    return;
  }
  const server = serverCommand(config);
  // The server reads avtale.toml and every .avt file of the workspace, not only the open ones.
  const watcher = vscode.workspace.createFileSystemWatcher("**/{avtale.toml,*.avt}");
  context.subscriptions.push(watcher);
  client = new LanguageClient(
    "avtale",
    "Avtale",
    { run: server, debug: server },
    {
      documentSelector: [{ scheme: "file", language: "avt" }],
      synchronize: { fileEvents: watcher },
    },
  );
  context.subscriptions.push(
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration("avtale.server")) {
        vscode.window.showInformationMessage("Avtale: reload the window to use the new server settings.");
      }
    }),
  );
  try {
    await client.start();
  } catch (error) {
    client = undefined;
    vscode.window.showWarningMessage(
      `Avtale: could not start \`${server.command} lsp\` (${error.message || error}). ` +
        "Highlighting still works; set `avtale.server.path` to the avtale command of your project's virtual environment.",
    );
  }
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate, serverCommand };
