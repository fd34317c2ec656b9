"""The server driven over its protocol by a client in this process, the server in a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pygls.uris import from_fs_path

from tests.factories.cli import run
from tests.lsp.harness import CLI, codes, open_file, replace, serving, serving_unresolved, until, uri
from tests.lsp.workspace import C1, write

pytestmark = pytest.mark.asyncio

Doc = types.TextDocumentIdentifier


def at(file_uri: str, line: int, character: int) -> dict[str, object]:
    return {"text_document": Doc(uri=file_uri), "position": types.Position(line, character)}


def where(found: object) -> list[tuple[str, int, int, int]]:
    """Locations as (file name, line, start, end), for assertions."""
    if found is None:
        return []
    assert isinstance(found, list | tuple)
    return [(Path(f.uri).name, f.range.start.line, f.range.start.character, f.range.end.character) for f in found]


async def test_diagnostics_as_you_type_with_the_help_line_and_a_quick_fix(tmp_path: Path) -> None:
    root = write(tmp_path)
    async with serving(root) as client:
        c1 = uri(root / "contracts/c1.avt")
        await until(lambda: codes(client, c1) == ["N0301"])  # which plan version C-1 follows: a hint
        assert client.diagnostics[c1][0].severity == types.DiagnosticSeverity.Hint
        open_file(client, root / "contracts/c1.avt")
        replace(client, c1, 2, (1, 11), (1, 16), "buyre")
        await until(lambda: "E0302" in codes(client, c1))
        [error] = [d for d in client.diagnostics[c1] if d.code == "E0302"]
        assert error.severity == types.DiagnosticSeverity.Error
        assert error.message == "unknown customer `buyre`\nno customer has this id\nhelp: did you mean `buyer`?"
        assert (error.range.start.line, error.range.start.character, error.range.end.character) == (1, 11, 16)
        assert error.source == "avtale"

        fixes = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=Doc(uri=c1),
                range=error.range,
                context=types.CodeActionContext(diagnostics=[error]),
            )
        )
        assert fixes is not None and len(fixes) == 1
        fix = fixes[0]
        assert isinstance(fix, types.CodeAction) and fix.title == "Change `buyre` to `buyer`"
        assert fix.edit is not None and fix.edit.changes is not None
        [edit] = fix.edit.changes[c1]
        assert edit.new_text == "buyer" and edit.range == error.range
        replace(client, c1, 3, (1, 11), (1, 16), edit.new_text)
        await until(lambda: codes(client, c1) == ["N0301"])


async def test_avtale_lsp_serves_over_stdio(tmp_path: Path) -> None:
    root = write(tmp_path)
    (root / "contracts/c2.avt").write_text("contract C-2 {\n  customer nobody\n}\n", encoding="utf-8")
    async with serving(root, command=CLI) as client:
        await until(lambda: "E0302" in codes(client, uri(root / "contracts/c2.avt")))


async def test_a_plan_edit_republishes_the_contracts_that_follow_it_and_no_others(tmp_path: Path) -> None:
    root = write(tmp_path)
    async with serving(root) as client:
        c1, c2 = uri(root / "contracts/c1.avt"), uri(root / "contracts/c2.avt")
        await until(lambda: c1 in client.diagnostics)
        plans = open_file(client, root / "plans.avt")
        published_c2 = client.diagnostics.get(c2)
        replace(client, plans, 2, (2, 9), (2, 14), "users")  # the 2025 version, which C-1 follows
        await until(lambda: any(d.severity == types.DiagnosticSeverity.Error for d in client.diagnostics[c1]))
        errors = [d for d in client.diagnostics[c1] if d.severity == types.DiagnosticSeverity.Error]
        assert [(d.range.start.line, d.message.split("\n")[0]) for d in errors] == [
            (5, "per-unit charge `users` has no quantity"),
            (6, "plan `basic` has no charge `seats`"),
            (9, "amendment 1 changes charge `seats`, which the contract does not have"),
        ]  # C-1 is not open
        assert client.diagnostics.get(c2) is published_c2  # C-2 follows 2026: nothing sent again
        replace(client, plans, 3, (2, 9), (2, 14), "seats")
        await until(lambda: codes(client, c1) == ["N0301"])


async def test_diagnostics_match_avtale_check(tmp_path: Path) -> None:
    """The server's errors and warnings are those `avtale check --json` reports for the same files."""
    root = write(tmp_path)
    (root / "contracts/c1.avt").write_text(C1.replace("seats quantity 8", "sets quantity 8"), encoding="utf-8")
    (root / "contracts/c3.avt").write_text("contract C-3 {\n  customer nobody\n  signed 2026-01-01\n}\n", "utf-8")
    code, out, _ = run(root, "check", "--json")
    assert code == 1
    expected = sorted(
        (d["span"]["file"], d["code"], d["span"]["line"] - 1, d["span"]["column"] - 1, d["message"], d["help"])
        for d in json.loads(out)["diagnostics"]
    )
    assert len(expected) >= 3
    async with serving(root) as client:
        files = {uri(root / name): name for name in ("contracts/c1.avt", "contracts/c3.avt")}
        await until(lambda: all(u in client.diagnostics for u in files))
        got = sorted(
            (
                name,
                str(d.code),
                d.range.start.line,
                d.range.start.character,
                d.message.split("\n")[0],
                d.message.rsplit("help: ", 1)[1] if "help: " in d.message else "",
            )
            for u, name in files.items()
            for d in client.diagnostics[u]
            if d.severity in (types.DiagnosticSeverity.Error, types.DiagnosticSeverity.Warning)
        )
        assert got == expected


async def test_formatting_gives_the_canonical_form_and_refuses_a_broken_file(tmp_path: Path) -> None:
    root = write(tmp_path)
    messy = (
        "contract C-1 {\n customer   buyer\n  signed 2025-06-01\n  start 2025-07-01\n  term 12 months\n"
        '  plan basic { seats quantity 5 }\n  amendment 1 "More seats" signed 2025-09-01 effective 2025-10-01 '
        "{ seats quantity 8 }\n}\n"
    )
    (root / "contracts/c1.avt").write_text(messy, encoding="utf-8")
    async with serving(root) as client:
        c1 = open_file(client, root / "contracts/c1.avt")
        options = types.FormattingOptions(tab_size=2, insert_spaces=True)
        edits = await client.text_document_formatting_async(
            types.DocumentFormattingParams(text_document=Doc(uri=c1), options=options)
        )
        assert edits is not None and len(edits) == 1
        assert edits[0].new_text == C1
        assert (edits[0].range.start.line, edits[0].range.end.line) == (0, 8)

        broken = root / "contracts/broken.avt"
        broken.write_text("contract C-9 {\n  customer\n}\n", encoding="utf-8")
        b = open_file(client, broken)
        edits = await client.text_document_formatting_async(
            types.DocumentFormattingParams(text_document=Doc(uri=b), options=options)
        )
        assert not edits
        await until(lambda: any("syntax errors" in m.message for m in client.messages))


async def test_go_to_definition(tmp_path: Path) -> None:
    root = write(tmp_path)
    async with serving(root) as client:
        c1, c2 = uri(root / "contracts/c1.avt"), uri(root / "contracts/c2.avt")
        plans = uri(root / "plans.avt")

        async def goto(file_uri: str, line: int, character: int) -> list[tuple[str, int, int, int]]:
            found = await client.text_document_definition_async(types.DefinitionParams(**at(file_uri, line, character)))
            return where(found)

        assert await goto(c1, 1, 12) == [("prelude.avt", 6, 9, 14)]  # customer buyer
        assert await goto(c1, 5, 8) == [("plans.avt", 0, 5, 10)]  # signed 2025-06-01: the 2025 version
        assert await goto(c2, 5, 8) == [("plans.avt", 11, 5, 10)]  # `version 2026-01-01`
        assert await goto(c2, 5, 25) == [("plans.avt", 11, 5, 10)]  # on the date itself
        assert await goto(c1, 6, 5) == [("plans.avt", 2, 9, 14)]  # seats in the plan block
        assert await goto(c1, 9, 5) == [("plans.avt", 2, 9, 14)]  # seats in the amendment
        assert await goto(c2, 6, 5) == [("plans.avt", 13, 9, 14)]  # C-2's seats: the 2026 version's
        assert await goto(c2, 11, 70) == [("plans.avt", 13, 9, 14)]  # `on seats` of the indexation
        assert await goto(c2, 11, 14) == [("prelude.avt", 18, 6, 9)]  # index kpi
        assert await goto(plans, 6, 12) == [("prelude.avt", 16, 7, 12)]  # usage calls
        assert await goto(c1, 2, 4) == []  # a keyword


async def test_references_and_symbols(tmp_path: Path) -> None:
    root = write(tmp_path)
    async with serving(root) as client:
        prelude, plans = uri(root / "prelude.avt"), uri(root / "plans.avt")
        context = types.ReferenceContext(include_declaration=True)
        found = await client.text_document_references_async(
            types.ReferenceParams(**at(prelude, 6, 10), context=context)
        )
        assert where(found) == [("c1.avt", 1, 11, 16), ("prelude.avt", 6, 9, 14)]
        found = await client.text_document_references_async(types.ReferenceParams(**at(plans, 2, 10), context=context))
        assert where(found) == [
            ("c1.avt", 6, 4, 9),
            ("c1.avt", 9, 4, 9),
            ("c2.avt", 6, 4, 9),
            ("c2.avt", 11, 68, 73),
            ("plans.avt", 2, 9, 14),
            ("plans.avt", 13, 9, 14),
        ]
        outline = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=Doc(uri=plans))
        )
        assert outline is not None
        shown = [(s.name, s.detail, [c.name for c in s.children or []]) for s in outline]  # type: ignore[union-attr]
        assert shown == [
            ("basic", "plan: Basic, effective 2025-01-01", ["seats", "api"]),
            ("basic", "plan: Basic, effective 2026-01-01", ["seats"]),
        ]
        c1 = uri(root / "contracts/c1.avt")
        outline = await client.text_document_document_symbol_async(
            types.DocumentSymbolParams(text_document=Doc(uri=c1))
        )
        assert outline is not None
        [contract] = outline
        assert isinstance(contract, types.DocumentSymbol) and contract.name == "C-1"
        assert [(c.name, c.detail) for c in contract.children or []] == [
            ("amendment 1", "More seats (effective 2025-10-01)")
        ]


async def test_rename_across_the_workspace(tmp_path: Path) -> None:
    root = write(tmp_path)
    async with serving(root) as client:
        prelude, c2 = uri(root / "prelude.avt"), uri(root / "contracts/c2.avt")
        ready = await client.text_document_prepare_rename_async(types.PrepareRenameParams(**at(prelude, 6, 10)))
        assert isinstance(ready, types.PrepareRenamePlaceholder) and ready.placeholder == "buyer"
        edit = await client.text_document_rename_async(types.RenameParams(**at(prelude, 6, 10), new_name="kjoper"))
        assert edit is not None and edit.changes is not None
        assert {
            Path(u).name: [(e.range.start.line, e.range.start.character, e.new_text) for e in edits]
            for u, edits in edit.changes.items()
        } == {"prelude.avt": [(6, 9, "kjoper")], "c1.avt": [(1, 11, "kjoper")]}

        edit = await client.text_document_rename_async(types.RenameParams(**at(c2, 8, 10), new_name="onboarding"))
        assert edit is not None and edit.changes is not None
        assert [(e.range.start.line, e.range.start.character) for e in edit.changes[c2]] == [(8, 9)]

        plans = uri(root / "plans.avt")
        edit = await client.text_document_rename_async(types.RenameParams(**at(plans, 6, 12), new_name="api_calls"))
        assert edit is not None and edit.changes is not None
        assert {
            Path(u).name: [(e.range.start.line, e.range.start.character) for e in edits]
            for u, edits in edit.changes.items()
        } == {"plans.avt": [(6, 10)], "prelude.avt": [(16, 7)]}

        with pytest.raises(JsonRpcException, match="not a valid customer id"):
            await client.text_document_rename_async(types.RenameParams(**at(prelude, 6, 10), new_name="Kjøper"))
        with pytest.raises(JsonRpcException, match="already a customer id"):
            await client.text_document_rename_async(types.RenameParams(**at(prelude, 6, 10), new_name="other"))
        with pytest.raises(JsonRpcException, match="only customer, metric and charge ids"):
            await client.text_document_prepare_rename_async(types.PrepareRenameParams(**at(c2, 0, 10)))


async def test_rename_is_refused_for_ids_issued_documents_hold(tmp_path: Path) -> None:
    root = write(tmp_path)
    code, out, err = run(root, "ledger", "init")
    assert code == 0, out + err
    code, out, err = run(root, "bill", "--as-of", "2025-07-01", "--apply")  # C-1's first month: customer buyer, seats
    assert code == 0, out + err
    async with serving(root) as client:
        prelude, plans, c2 = uri(root / "prelude.avt"), uri(root / "plans.avt"), uri(root / "contracts/c2.avt")
        with pytest.raises(JsonRpcException, match=r"customer `buyer` is held by issued documents \(invoice 1"):
            await client.text_document_prepare_rename_async(types.PrepareRenameParams(**at(prelude, 6, 10)))
        with pytest.raises(JsonRpcException, match=r"charge `seats` of plan `basic` is held by issued documents"):
            await client.text_document_rename_async(types.RenameParams(**at(plans, 2, 10), new_name="users"))
        # nothing was issued for C-2 (it starts in 2026), nor for its customer
        edit = await client.text_document_rename_async(types.RenameParams(**at(c2, 1, 12), new_name="annen"))
        assert edit is not None and edit.changes is not None and len(edit.changes) == 2


async def test_completion_of_keywords_and_names_in_scope(tmp_path: Path) -> None:
    root = write(tmp_path)
    text = "contract C-3 {\n  customer \n  plan basic {\n    \n  }\n  \n}\n"
    new = root / "contracts/c3.avt"
    async with serving(root) as client:
        c3 = uri(new)
        document = types.TextDocumentItem(uri=c3, language_id="avt", version=1, text=text)
        client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=document))

        async def labels(line: int, character: int) -> list[str]:
            found = await client.text_document_completion_async(types.CompletionParams(**at(c3, line, character)))
            assert isinstance(found, types.CompletionList)
            return [item.label for item in found.items]

        assert await labels(1, 11) == ["buyer", "other"]
        assert sorted(await labels(3, 4)) == ["api", "seats"]  # no signing date yet: every version's
        contract_level = await labels(5, 2)
        assert {"customer", "signed", "plan", "amendment", "indexation"} <= set(contract_level)
        assert "per_unit" not in contract_level
        # signed in 2026: the plan block offers the 2026 version's charges only
        replace(client, c3, 2, (1, 11), (1, 11), "buyer\n  signed 2026-02-01\n  start 2026-03-01")
        assert await labels(5, 4) == ["seats"]
        # a charge block, typed into the contract
        replace(client, c3, 3, (7, 2), (7, 2), 'charge extra "Extra" {\n    usage ')
        assert await labels(8, 10) == ["calls"]


async def test_files_changed_on_disk_are_read_again(tmp_path: Path) -> None:
    root = write(tmp_path)
    async with serving(root) as client:
        c1 = uri(root / "contracts/c1.avt")
        await until(lambda: c1 in client.diagnostics)
        added = root / "contracts/c4.avt"
        added.write_text(C1.replace("C-1", "C-4").replace("buyer", "buyr"), encoding="utf-8")
        event = types.FileEvent(uri=uri(added), type=types.FileChangeType.Created)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))
        await until(lambda: "E0302" in codes(client, uri(added)))
        added.unlink()
        event = types.FileEvent(uri=uri(added), type=types.FileChangeType.Deleted)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))
        await until(lambda: codes(client, uri(added)) == [])
        # avtale.toml: the sources now live under contracts/ only, so prelude and plans are gone
        (root / "avtale.toml").write_text('sources = ["contracts"]\n', encoding="utf-8")
        event = types.FileEvent(uri=uri(root / "avtale.toml"), type=types.FileChangeType.Changed)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))
        await until(lambda: "E0302" in codes(client, c1))


@pytest.mark.parametrize(("encodings", "columns"), [(None, (32, 37)), (["utf-8"], (35, 40)), (["utf-32"], (31, 36))])
async def test_columns_in_the_negotiated_encoding(
    tmp_path: Path, encodings: list[str] | None, columns: tuple[int, int]
) -> None:
    """`😀` is two UTF-16 units and four UTF-8 bytes, `æ` one unit and two bytes."""
    root = write(tmp_path)
    line = '  discount "Rabatt 😀 æ" 10% on seatz'
    (root / "contracts/c1.avt").write_text(C1.replace("  term 12 months\n", f"  term 12 months\n{line}\n"), "utf-8")
    async with serving(root, encodings=encodings) as client:
        c1 = uri(root / "contracts/c1.avt")
        await until(lambda: any(d.severity == types.DiagnosticSeverity.Error for d in client.diagnostics.get(c1, [])))
        [error] = [d for d in client.diagnostics[c1] if d.severity == types.DiagnosticSeverity.Error]
        assert (error.range.start.line, error.range.start.character, error.range.end.character) == (5, *columns)


async def test_hover_answers_in_markdown(tmp_path: Path) -> None:
    """The text is runtime/lsp/hover.py's (tests/lsp/test_hover.py); here, that the server delivers it."""
    root = write(tmp_path)
    async with serving(root) as client:
        c1 = uri(root / "contracts/c1.avt")
        found = await client.text_document_hover_async(types.HoverParams(**at(c1, 6, 5)))  # seats
        assert found is not None and isinstance(found.contents, types.MarkupContent)
        assert found.contents.kind == types.MarkupKind.Markdown and "seats" in found.contents.value
        assert await client.text_document_hover_async(types.HoverParams(**at(c1, 4, 0))) is None  # `term`


async def test_a_rename_is_refused_while_a_file_does_not_parse_or_when_the_new_name_is_a_keyword(
    tmp_path: Path,
) -> None:
    root = write(tmp_path)
    async with serving(root) as client:
        prelude, plans = uri(root / "prelude.avt"), uri(root / "plans.avt")
        with pytest.raises(JsonRpcException, match="is a word of the language"):
            await client.text_document_rename_async(types.RenameParams(**at(plans, 2, 10), new_name="terminate"))
        # a contract mid-edit: its names are known only from an older parse, at lines that no longer hold
        c1 = open_file(client, root / "contracts/c1.avt")
        replace(client, c1, 2, (0, 0), (0, 0), "# to\n# lines\ncontract {\n")
        await until(lambda: "E0100" in codes(client, c1))
        with pytest.raises(JsonRpcException, match=r"contracts/c1\.avt has syntax errors"):
            await client.text_document_rename_async(types.RenameParams(**at(prelude, 6, 10), new_name="kjoper"))
        found = await client.text_document_references_async(
            types.ReferenceParams(**at(prelude, 6, 10), context=types.ReferenceContext(include_declaration=True))
        )
        assert [Path(location.uri).name for location in found or []] == ["prelude.avt"]


async def test_a_deleted_folder_is_noticed(tmp_path: Path) -> None:
    root = write(tmp_path)
    async with serving(root) as client:
        c1 = uri(root / "contracts/c1.avt")
        await until(lambda: c1 in client.diagnostics)
        for path in (root / "contracts").iterdir():
            path.unlink()
        (root / "contracts").rmdir()
        event = types.FileEvent(uri=uri(root / "contracts"), type=types.FileChangeType.Deleted)
        client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=[event]))
        await until(lambda: len(client.diagnostics.get(c1, (1,))) == 0)  # cleared: the file is gone


async def test_a_workspace_opened_through_a_link_is_published_under_the_link(tmp_path: Path) -> None:
    real = write(tmp_path / "real")
    link = tmp_path / "link"
    link.symlink_to(real, target_is_directory=True)
    async with serving_unresolved(link) as client:
        shown = from_fs_path(str(link / "contracts" / "c1.avt"))
        await until(lambda: shown in client.diagnostics)
        assert not [u for u in client.diagnostics if str(real) in u]
