// Node-RED settings for bench/run: headless (no editor, no HTTP server),
// quiet, nothing written but its user directory. bench/run starts it as
//   BENCH_MQTT_PORT=PORT node node_modules/node-red/red.js \
//       --settings settings.js --userDir DIR flow.json
// The broker port comes from the environment (flow.json uses ${BENCH_MQTT_PORT}).
module.exports = {
    // Both roots off: Node-RED starts no HTTP server at all.
    httpAdminRoot: false,
    httpNodeRoot: false,
    uiHost: "127.0.0.1",
    credentialSecret: false,
    flowFilePretty: true,
    logging: {
        console: { level: "warn", metrics: false, audit: false },
    },
    diagnostics: { enabled: false },
    runtimeState: { enabled: false },
    telemetry: { enabled: false },
    externalModules: { autoInstall: false, palette: { allowInstall: false } },
    editorTheme: { projects: { enabled: false } },
    functionExternalModules: false,
};
