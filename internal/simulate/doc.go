// Package simulate plays a one-stop office: how dossiers reach it (Path),
// who takes each lifecycle action (Actor, chosen from policy's grants, not
// restated), and the people who file (names, identity numbers, tax codes).
//
// Three consumers share it: "motcua seed" generates a year of history on
// the use cases directly (internal/seed), "motcua demo" plays two months
// against a real server through gRPC (Demo, here), and the test driver
// acts on dossiers as the principal policy grants each action to
// (internal/testenv). The package has no I/O of its own apart from Demo's
// gRPC calls; every random draw comes from a stream the caller passes, so
// the same seed plays the same office.
package simulate
