// Package agentsvc is the agent listener: the host's HTTPS endpoint under /api/agent/v1/ where
// agents enrol with a token, check in, upload their inventory and post events. It keeps each
// agent's credential hash and inventory digest in memory so that a check-in costs no database
// read, writes check-ins behind in batches and commits inventories in groups before it
// acknowledges them. The wire format is in package wire; the protocol is described in
// docs/agent-protocol.md.
package agentsvc
