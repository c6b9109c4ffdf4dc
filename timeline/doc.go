// Package timeline draws what each replica was over a whole run as a
// picture for slides and reports (raftian timeline): one lane per replica
// coloured by role, terms where they change, markers for every fault. The
// lanes are the replay model's (package rewind), from a record file or
// from an events file turned back into observations; the window's strip
// draws the same lanes with the same colours, which live here.
package timeline
