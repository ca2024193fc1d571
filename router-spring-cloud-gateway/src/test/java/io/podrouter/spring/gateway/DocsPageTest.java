package io.podrouter.spring.gateway;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/spring-cloud-gateway.md cannot rot: its YAML block is the sample application's application.yml (which the
 * sample's own test starts), and every property it names under {@code podrouter.} is one the metadata documents.
 * (Its Java blocks are checked, with every docs page's, by the examples module's snippet test.)
 */
class DocsPageTest {

    private static final Path ROOT = Path.of("..");
    private static final Pattern YAML_BLOCK = Pattern.compile("(?m)^```yaml\\n(.*?)\\n```$", Pattern.DOTALL);

    @Test
    void theYamlBlockOfTheDocsPageIsTheSamplesApplicationYml() throws IOException {
        String page = Files.readString(ROOT.resolve("docs/spring-cloud-gateway.md"));
        List<String> blocks = new ArrayList<>();
        Matcher m = YAML_BLOCK.matcher(page);
        while (m.find()) {
            blocks.add(m.group(1) + "\n");
        }
        String sample = Files.readString(ROOT.resolve("examples/spring-cloud-gateway/src/main/resources/application.yml"));
        assertThat(blocks).as("yaml blocks of docs/spring-cloud-gateway.md").hasSize(1);
        assertThat(blocks.get(0)).isEqualTo(sample);
    }
}
