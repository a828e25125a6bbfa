import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.Properties;

import org.apache.solr.embedded.JettyConfig;
import org.apache.solr.embedded.JettySolrRunner;

/**
 * Runs Apache Solr 9 on Jetty for development and tests, the way Solr's own
 * integration tests do: JettySolrRunner wraps Solr's SolrDispatchFilter.
 *
 * Usage: java -cp 'lib/*' SolrLauncher.java SOLR_HOME PORT
 *
 * Exits non-zero if any core fails to load, so the caller never waits on a
 * Solr that can't serve CKAN.
 */
public class SolrLauncher {
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: SolrLauncher SOLR_HOME PORT");
            System.exit(2);
        }
        Path home = Paths.get(args[0]).toAbsolutePath();
        int port = Integer.parseInt(args[1]);
        if (!Files.isRegularFile(home.resolve("solr.xml"))) {
            System.err.println("no solr.xml in " + home);
            System.exit(2);
        }
        JettyConfig config = JettyConfig.builder()
                .setPort(port)
                .setContext("/solr")
                .stopAtShutdown(true)
                .withPortRetryTime(0)
                .build();
        JettySolrRunner solr = new JettySolrRunner(home.toString(), new Properties(), config);
        solr.start();

        Map<String, ?> failures = solr.getCoreContainer().getCoreInitFailures();
        if (!failures.isEmpty()) {
            failures.forEach((core, failure) -> System.err.println("core " + core + " failed to load: " + failure));
            solr.stop();
            System.exit(1);
        }
        System.out.println("SOLR READY http://127.0.0.1:" + solr.getLocalPort() + "/solr");
        Thread.currentThread().join();
    }
}
