//go:build unix

package transcripts

// foldersSync says whether a folder opened for reading can be synced to
// make the names in it durable, as Unix file systems allow.
const foldersSync = true
