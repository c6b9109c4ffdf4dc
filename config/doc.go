// Package config reads Raftian's configuration: TOML, strictly checked, with
// errors that name the file, line and key so a user can fix them.
package config
