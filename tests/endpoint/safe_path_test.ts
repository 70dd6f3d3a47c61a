import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync, realpathSync, symlinkSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkRequestPath, createRootResolver, resolveUnderRoot } from "../../src/endpoint/safe_path.ts";
import { tempDir } from "../_fixtures.ts";

// base/secret.mp4 sits next to the root; base/root-evil shares the root's name as a prefix.
const { dir: base, cleanup } = tempDir("sage-safe-path-");
after(cleanup);
const root = join(base, "root");
mkdirSync(join(root, "sub"), { recursive: true });
mkdirSync(join(root, ".git"));
mkdirSync(join(root, "folder.mp4"));
mkdirSync(join(base, "root-evil"));
writeFileSync(join(base, "secret.mp4"), "SECRET");
writeFileSync(join(base, "root-evil", "x.mp4"), "EVIL");
writeFileSync(join(root, "movie.mp4"), "MOVIE");
writeFileSync(join(root, "sub", "clip.webm"), "CLIP");
writeFileSync(join(root, ".hidden.mp4"), "HIDDEN");
writeFileSync(join(root, ".git", "a.mp4"), "GIT");
writeFileSync(join(root, "notes.txt"), "NOTES");
writeFileSync(join(root, "%2e%2e"), "LITERAL");
symlinkSync(join(base, "secret.mp4"), join(root, "abs-out.mp4"));
symlinkSync("../secret.mp4", join(root, "rel-out.mp4"));
symlinkSync("../root-evil/x.mp4", join(root, "prefix-out.mp4"));
symlinkSync("..", join(root, "up"));
symlinkSync("sub/clip.webm", join(root, "inside.webm"));
symlinkSync(".git/a.mp4", join(root, "to-hidden.mp4"));
symlinkSync("notes.txt", join(root, "disguised.mp4"));
symlinkSync("loop.mp4", join(root, "loop.mp4"));
symlinkSync("missing.mp4", join(root, "dangling.mp4"));
const realRoot = realpathSync(root);

test("checkRequestPath accepts relative media paths and splits them", () => {
  assert.deepEqual(checkRequestPath("movie.mp4"), { ok: true, segments: ["movie.mp4"] });
  assert.deepEqual(checkRequestPath("a/b c/Ünïcode.MKV"), {
    ok: true,
    segments: ["a", "b c", "Ünïcode.MKV"],
  });
});

test("checkRequestPath refuses traversal, absolute paths and odd characters with 400", () => {
  const cases: [string, string][] = [
    ["", "empty"],
    ["..", "dot-segment"],
    ["../secret.mp4", "dot-segment"],
    ["sub/../../secret.mp4", "dot-segment"],
    ["./movie.mp4", "dot-segment"],
    ["sub/.", "dot-segment"],
    ["/etc/passwd", "absolute"],
    ["//etc/passwd.mp4", "absolute"],
    ["C:/secret.mp4", "absolute"],
    ["c:secret.mp4", "absolute"],
    ["..\\secret.mp4", "backslash"],
    ["sub\\clip.webm", "backslash"],
    ["movie.mp4\u0000.txt", "control-character"],
    ["movie\n.mp4", "control-character"],
    ["movie\u007f.mp4", "control-character"],
    ["movie\u0085.mp4", "control-character"],
    ["sub//clip.webm", "empty-segment"],
    ["sub/", "empty-segment"],
    ["a".repeat(1021) + ".mp4", "too-long"],
  ];
  for (const [path, reason] of cases) {
    assert.deepEqual(checkRequestPath(path), { ok: false, status: 400, reason }, JSON.stringify(path));
  }
});

test("checkRequestPath answers 404 for dotfiles and non-media extensions", () => {
  assert.deepEqual(checkRequestPath(".env"), { ok: false, status: 404, reason: "hidden" });
  assert.deepEqual(checkRequestPath(".git/a.mp4"), { ok: false, status: 404, reason: "hidden" });
  assert.deepEqual(checkRequestPath("notes.txt"), { ok: false, status: 404, reason: "extension" });
  assert.deepEqual(checkRequestPath("README"), { ok: false, status: 404, reason: "extension" });
  assert.deepEqual(checkRequestPath("script.js"), { ok: false, status: 404, reason: "extension" });
});

test("checkRequestPath options allow dotfiles, more extensions and longer paths", () => {
  assert.equal(checkRequestPath(".git/a.mp4", { allowDotfiles: true }).ok, true);
  assert.equal(checkRequestPath("notes.txt", { extensions: [".TXT"] }).ok, true);
  assert.equal(checkRequestPath("movie.mp4", { extensions: ["txt"] }).ok, false);
  assert.equal(checkRequestPath("README", { extensions: "*" }).ok, true);
  assert.equal(checkRequestPath("a".repeat(2000) + ".mp4", { maxPathLength: 4096 }).ok, true);
  // allowDotfiles never lets a ".." segment through
  assert.equal(checkRequestPath("../secret.mp4", { allowDotfiles: true }).ok, false);
});

test("checkRequestPath takes percent-encoded text literally", () => {
  // the query string was decoded once already; a second decoding would turn this into ".."
  assert.deepEqual(checkRequestPath("%2e%2e/secret.mp4"), { ok: true, segments: ["%2e%2e", "secret.mp4"] });
});

test("resolveUnderRoot returns the real path and identity of files inside the root", async () => {
  const found = await resolveUnderRoot(root, "sub/clip.webm");
  assert.equal(found.ok, true);
  if (!found.ok) return;
  assert.equal(found.path, join(realRoot, "sub", "clip.webm"));
  assert.equal(found.relative, "sub/clip.webm");
  assert.equal(typeof found.dev, "number");
  assert.equal(typeof found.ino, "number");
});

test("resolveUnderRoot follows symbolic links that stay inside the root", async () => {
  const found = await resolveUnderRoot(root, "inside.webm");
  assert.equal(found.ok && found.path, join(realRoot, "sub", "clip.webm"));
});

test("resolveUnderRoot refuses symbolic links leading outside the root", async () => {
  for (
    const path of ["abs-out.mp4", "rel-out.mp4", "prefix-out.mp4", "up/secret.mp4", "up/root-evil/x.mp4"]
  ) {
    assert.deepEqual(
      await resolveUnderRoot(root, path),
      { ok: false, status: 404, reason: "outside-root" },
      path,
    );
  }
});

test("resolveUnderRoot refuses links to hidden files and to non-media files", async () => {
  assert.deepEqual(await resolveUnderRoot(root, "to-hidden.mp4"), {
    ok: false,
    status: 404,
    reason: "hidden",
  });
  assert.deepEqual(await resolveUnderRoot(root, "disguised.mp4"), {
    ok: false,
    status: 404,
    reason: "extension",
  });
});

test("resolveUnderRoot answers 404 for directories, missing files, loops and dangling links", async () => {
  assert.deepEqual(await resolveUnderRoot(root, "folder.mp4"), {
    ok: false,
    status: 404,
    reason: "not-a-file",
  });
  for (const path of ["nope.mp4", "loop.mp4", "dangling.mp4", "movie.mp4/x.mp4"]) {
    assert.deepEqual(
      await resolveUnderRoot(root, path),
      { ok: false, status: 404, reason: "not-found" },
      path,
    );
  }
  assert.deepEqual(await resolveUnderRoot(join(base, "no-root"), "movie.mp4"), {
    ok: false,
    status: 404,
    reason: "not-found",
  });
});

test("resolveUnderRoot works with a relative root and one given through a symbolic link", async () => {
  symlinkSync(root, join(base, "root-link"));
  const viaLink = await resolveUnderRoot(join(base, "root-link"), "movie.mp4");
  assert.equal(viaLink.ok && viaLink.path, join(realRoot, "movie.mp4"));
  const relativeRoot = await resolveUnderRoot(join(base, "root", "sub", ".."), "movie.mp4");
  assert.equal(relativeRoot.ok && relativeRoot.path, join(realRoot, "movie.mp4"));
});

test("resolveUnderRoot serves a literal file named %2e%2e only when its extension is allowed", async () => {
  assert.deepEqual(await resolveUnderRoot(root, "%2e%2e"), { ok: false, status: 404, reason: "extension" });
  const literal = await resolveUnderRoot(root, "%2e%2e", { extensions: "*" });
  assert.equal(literal.ok && literal.path, join(realRoot, "%2e%2e"));
});

test("createRootResolver gives resolveUnderRoot's answer for every kind of path", async () => {
  const resolver = createRootResolver(root);
  const paths = [
    "movie.mp4",
    "sub/clip.webm",
    "inside.webm",
    "abs-out.mp4",
    "rel-out.mp4",
    "prefix-out.mp4",
    "up/secret.mp4",
    "to-hidden.mp4",
    "disguised.mp4",
    "folder.mp4",
    "nope.mp4",
    "loop.mp4",
    "dangling.mp4",
    "movie.mp4/x.mp4",
  ];
  for (const path of paths) {
    const checked = checkRequestPath(path);
    assert.ok(checked.ok, path);
    assert.deepEqual(resolver.resolve(checked.segments), await resolveUnderRoot(root, path), path);
  }
});

test("createRootResolver follows a root link that is pointed elsewhere, and a root made later", () => {
  const { dir, cleanup } = tempDir("sage-root-moves-");
  try {
    for (const name of ["one", "two"]) {
      mkdirSync(join(dir, name));
      writeFileSync(join(dir, name, `${name}.mp4`), name);
    }
    writeFileSync(join(dir, "one", "both.mp4"), "one");
    writeFileSync(join(dir, "two", "both.mp4"), "two");
    symlinkSync("one", join(dir, "media"));
    const resolver = createRootResolver(join(dir, "media"));
    const real = (path: string) => {
      const found = resolver.resolve(path.split("/"));
      return found.ok ? found.path : found.reason;
    };
    assert.equal(real("one.mp4"), join(realpathSync(dir), "one", "one.mp4"));

    unlinkSync(join(dir, "media"));
    symlinkSync("two", join(dir, "media"));
    // a file only the new target has: found after the root is resolved again
    assert.equal(real("two.mp4"), join(realpathSync(dir), "two", "two.mp4"));
    // from then on, names both have come from the new target
    assert.equal(real("both.mp4"), join(realpathSync(dir), "two", "both.mp4"));
    assert.equal(real("one.mp4"), "not-found");

    const later = createRootResolver(join(dir, "later"));
    assert.equal(later.resolve(["a.mp4"]).ok, false);
    mkdirSync(join(dir, "later"));
    writeFileSync(join(dir, "later", "a.mp4"), "a");
    assert.equal(later.resolve(["a.mp4"]).ok, true);
  } finally {
    cleanup();
  }
});
