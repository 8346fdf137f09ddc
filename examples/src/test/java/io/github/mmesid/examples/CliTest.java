package io.github.mmesid.examples;

import static io.github.mmesid.examples.CliInputsTest.assertOneLineError;
import static io.github.mmesid.examples.CliInputsTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.mmesid.examples.CliInputsTest.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {

  @TempDir
  Path dir;

  @Test
  void helpEverywhere() {
    Result r = run("--help");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("quickstart") && r.out().contains("evaluate"), r.out());
    for (Command c : Commands.all()) {
      Result h = run(c.name(), "--help");
      assertEquals(0, h.status());
      assertTrue(h.out().startsWith("Usage: mmesid " + c.name()), h.out());
      assertEquals(h.out(), run("help", c.name()).out());
    }
    assertTrue(run("evaluate", "--help").out().contains("--sequences FILE"));
  }

  @Test
  void badArgumentsExitNonZeroWithOneLine() throws IOException {
    assertOneLineError(run("frobnicate"), 2, "unknown command 'frobnicate'");
    assertOneLineError(run("evaluate"), 2, "give exactly one of --sequences FILE or --ratings CSV");
    assertOneLineError(run("evaluate", "--sequences", dir.resolve("nope.txt").toString()), 2, "no such file");
    Path seq = dir.resolve("s.txt");
    Files.writeString(seq, "a 1 2 3\nb 2 3 1\n");
    assertOneLineError(run("evaluate", "--sequences", seq.toString(), "--model", "magic"), 2, "allowed: popularity");
    assertOneLineError(run("evaluate", "--sequences", seq.toString(), "--split", "train"), 2, "allowed: test, valid");
    assertOneLineError(run("evaluate", "--sequences", seq.toString(), "--ks", "5,x"), 2, "--ks");
    assertOneLineError(run("evaluate", "--sequences", seq.toString(), "--bogus", "1"), 2, "unknown option --bogus");
    assertOneLineError(run("evaluate", "--sequences"), 2, "needs a value");
    assertOneLineError(run("quickstart", "--users", "many"), 2, "not an integer");
    assertOneLineError(run("quickstart", "--users", "3"), 2, "allowed 10..");
    Files.writeString(seq, "a 1 2 x\n");
    assertOneLineError(run("evaluate", "--sequences", seq.toString()), 1, "s.txt:1: token 4 'x'");
    Files.writeString(seq, "");
    assertOneLineError(run("evaluate", "--sequences", seq.toString()), 1, "no users");
  }

  @Test
  void quickstartThenEvaluateItsFiles() throws IOException {
    Path out = dir.resolve("synth");
    Result q = run("quickstart", "--users", "300", "--items", "120", "--seed", "7", "--out", out.toString());
    assertEquals(0, q.status(), q.err());
    assertTrue(q.out().contains("model: popularity") && q.out().contains("model: sasrec")
        && q.out().contains("model: mmesid") && q.out().contains("Recall"), q.out());
    assertTrue(q.out().contains("MME-SID vs popularity: NDCG@10"), q.out());
    assertEquals(3L * (Models.trainedNames().size() + 1), q.out().lines().filter(l -> l.startsWith("  user ")).count(),
        q.out());
    assertTrue(Files.isRegularFile(out.resolve("sequences.txt")));
    for (String m : new String[] {"collab", "text", "image"}) {
      assertTrue(Files.isRegularFile(out.resolve(m + ".npy")), m);
    }
    Path json = dir.resolve("metrics.json");
    Result e = run("evaluate", "--sequences", out.resolve("sequences.txt").toString(), "--model", "popularity",
        "--split", "valid", "--json", json.toString(), "--threads", "2");
    assertEquals(0, e.status(), e.err());
    assertTrue(e.out().contains("split=valid  users=300"), e.out());
    JsonNode metrics = new ObjectMapper().readTree(json.toFile());
    assertEquals(300, metrics.get("users").asInt());
    assertTrue(metrics.get("recall@20").asDouble() >= metrics.get("recall@5").asDouble());
  }
}
