// Package textsafe makes strings from users safe to print and lays text
// out for a terminal. Every name, description and file name that a
// workload or a flag brings is printed through Clean (or CleanText for a
// text of several lines), so that it cannot move the cursor, change
// colours, clear the screen or reorder what is around it; what it replaces
// stays visible as an escape such as \x1b or \u202e. Markup does the same
// for text in SVG and HTML and escapes the markup's characters. Wrap
// breaks text into lines in time linear in its length, however long its
// words; Columns lays rows out as a table, and Cut shortens a line to a
// width.
package textsafe
