package io.github.mmesid.core.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesReplacesAndLeavesNoTemporaryFile(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("a/b/out.txt");
    AtomicFiles.writeString(f, "first");
    assertEquals("first", Files.readString(f));
    AtomicFiles.write(f, out -> out.write("second".getBytes(StandardCharsets.UTF_8)));
    assertEquals("second", Files.readString(f));
    byte[] big = new byte[3 << 20];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    AtomicFiles.writeChannel(f, ch -> AtomicFiles.writeFully(ch, ByteBuffer.wrap(big)));
    assertArrayEquals(big, Files.readAllBytes(f));
    assertEquals(List.of("out.txt"), names(f.getParent()));
    if (Files.getFileStore(f).supportsFileAttributeView(
        java.nio.file.attribute.PosixFileAttributeView.class)) {
      assertEquals("rw-r--r--", java.nio.file.attribute.PosixFilePermissions.toString(
          Files.getPosixFilePermissions(f)), "not the temporary file's owner-only mode");
    }
  }

  @Test
  void failedWriteKeepsOldContentAndRemovesTemporaryFile(@TempDir Path dir) throws IOException {
    Path f = dir.resolve("out.bin");
    AtomicFiles.writeBytes(f, new byte[] {1, 2, 3});
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> AtomicFiles.write(f, out -> {
          out.write(new byte[100_000]);
          throw new IOException("disk on fire");
        }));
    assertTrue(e.getMessage().contains("out.bin") && e.getMessage().contains("disk on fire"),
        e.getMessage());
    IllegalStateException ise = assertThrows(IllegalStateException.class,
        () -> AtomicFiles.write(f, out -> {
          throw new IllegalStateException("bad data");
        }));
    assertEquals("bad data", ise.getMessage());
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
    assertEquals(List.of("out.bin"), names(dir));
  }

  @Test
  void writeUnderARegularFileNamesTheReason(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("plain.txt");
    Files.writeString(file, "x");
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> AtomicFiles.writeString(file.resolve("sub/out.json"), "{}"));
    assertTrue(e.getMessage().contains("Not a directory"), e.getMessage());
    assertTrue(e.getMessage().contains("plain.txt"), e.getMessage());
    UncheckedIOException direct = assertThrows(UncheckedIOException.class,
        () -> AtomicFiles.writeString(file.resolve("out.json"), "{}"));
    assertTrue(direct.getMessage().contains("Not a directory"), direct.getMessage());
    assertEquals("x", Files.readString(file));
  }

  @Test
  void reasonsNameFileAndCause() {
    assertEquals("/x/y: No such file or directory",
        AtomicFiles.reason(new NoSuchFileException("/x/y")));
    assertEquals("/x: Permission denied", AtomicFiles.reason(new AccessDeniedException("/x")));
    assertEquals("/a -> /b: Not a directory",
        AtomicFiles.reason(new FileSystemException("/a", "/b", "Not a directory")));
    assertEquals("boom", AtomicFiles.reason(new IOException("boom")));
    assertEquals("IOException", AtomicFiles.reason(new IOException()));
  }

  @Test
  void moveRenamesDirectories(@TempDir Path dir) throws IOException {
    Path a = Files.createDirectory(dir.resolve("a"));
    AtomicFiles.writeString(a.resolve("f"), "v");
    AtomicFiles.move(a, dir.resolve("b"));
    assertFalse(Files.exists(a));
    assertEquals("v", Files.readString(dir.resolve("b/f")));
    UncheckedIOException e = assertThrows(UncheckedIOException.class,
        () -> AtomicFiles.move(dir.resolve("missing"), dir.resolve("c")));
    assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    AtomicFiles.syncDirectory(dir); // no exception
  }
}
