# Check constraints behind the requester rules of juki.certificates.actions (住基法12条の2・12条の3).

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('certificates', '0002_request_purpose_category'),
    ]

    operations = [
        migrations.AddConstraint(
            model_name='certificaterequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('requester_type', 'third_party'), _negated=True), models.Q(('purpose_category', ''), _negated=True), _connector='OR'), name='cert_third_party_has_ground'),
        ),
        migrations.AddConstraint(
            model_name='certificaterequest',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('requester_type', 'public_body'), _negated=True), models.Q(('purpose', ''), _negated=True), _connector='OR'), name='cert_public_body_has_purpose'),
        ),
    ]
