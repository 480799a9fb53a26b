"""The MariaDB/MySQL layer: connections and pool, migrations, repositories, query optimizer."""
