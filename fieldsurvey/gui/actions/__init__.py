"""The window's behaviour, one module per group of actions (as Vorta keeps one file per action and per dialog):
`workspace` (new, open, the demo commune, re-classify all, the villages' resident households), `sync` (hand in, return
bundles, import with its summary — an enumerator's first hand-in with her key's fingerprint confirmed — and this
computer's own fingerprint), `starter` (the supervisor's starter package for an enumerator, the enumerator's first
run from one), `printing` (drafts of every document the state receives, the official copy, the
register of issued documents), `review` (what each role is offered when something waits for it), `households`
(history, households on an older form, the lifecycle steps: checked with no change, moved away, came back) and
`province` (the province's role: a province workspace, importing communes' results, last year's figures, Excel and
PDF).

Each group is a plain object made by the main window with the window itself. What a group uses of the window is only
this, its public face: `workspace` (the WorkspaceController: `ws`, `path`, `role()`…), `form` (the FormController:
`flush()`, `reload()`), `show_view(name)`, `current_view()`, `current_household()`, `current_village()`,
`households_changed(choices=False)` (the list, its counts, the status line, the open household and the review or
to-do view follow a change made behind them), `figures_changed()` (the dashboard on screen counts again),
`say(text)` (the status bar), `open_workspace(path)` (a workspace just made, opened as the user would) and
`settings` (the QSettings the app remembers things in); for the province's group, `province_view` (its own view: the
group connects its buttons and asks it to `load()` again), `province_opened(path)` and `province_changed()` (the
title and the status line follow). Other views are never reached into."""
